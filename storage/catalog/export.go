package catalog

import (
	"encoding/xml"
	"io"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr/archival"
)

// Export is a dossier's archival metadata: every result with the
// documents read from its pages. Its JSON is the archival.json export;
// WriteXML writes the profile of TT 02/2019/TT-BNV.
type Export struct {
	DossierCode string         `json:"dossier_code"`
	AgencyCode  string         `json:"agency_code"`
	Results     []ExportResult `json:"results"`
}

// ExportResult is one signed result of the dossier and its documents.
type ExportResult struct {
	ResultCode string              `json:"result_code"`
	Title      string              `json:"title"`
	Pages      int                 `json:"pages"`
	SHA256     string              `json:"sha256"`
	CreatedAt  time.Time           `json:"created_at"`
	Documents  []archival.Document `json:"documents"`
}

// NewExport puts a dossier's results together with their documents (by
// result code, as DossierDocuments returns them).
func NewExport(d *dossier.Dossier, docs map[string][]archival.Document) *Export {
	e := &Export{DossierCode: d.Code, AgencyCode: d.AgencyCode, Results: []ExportResult{}}
	for _, r := range d.Results {
		ds := docs[r.Code]
		if ds == nil {
			ds = []archival.Document{}
		}
		e.Results = append(e.Results, ExportResult{ResultCode: r.Code, Title: r.Title, Pages: r.Pages, SHA256: r.SHA256,
			CreatedAt: r.CreatedAt, Documents: ds})
	}
	return e
}

// The XML follows the metadata of electronic records that TT 02/2019/TT-BNV
// lists (annex "văn bản"): one element per field, named by the circular's
// English abbreviation, in its order. Fields sohoa cannot know are left out
// (see the README: Identifier, InforSign, Keyword, Mode, Format); the
// fields the circular has no place for (signer, place, recipients, urgency,
// secrecy, the pages and how sure each value is) go in SohoaExtension.
type xmlExport struct {
	XMLName  xml.Name  `xml:"ArchivalMetadata"`
	Profile  string    `xml:"profile,attr"`
	FileCode string    `xml:"File>FileCode"`
	Organ    string    `xml:"File>OrganCode,omitempty"`
	DocTotal int       `xml:"File>DocTotal"`
	PageTot  int       `xml:"File>PageTotal"`
	Docs     []xmlDoc  `xml:"File>Doc"`
	Results  []xmlRes  `xml:"File>Results>Result"`
	Created  time.Time `xml:"created,attr"`
}

type xmlRes struct {
	Code   string `xml:"code,attr"`
	Title  string `xml:"title,attr,omitempty"`
	Pages  int    `xml:"pages,attr"`
	SHA256 string `xml:"sha256,attr,omitempty"`
}

type xmlDoc struct {
	FileCode        string `xml:"FileCode"`
	DocOrdinal      int    `xml:"DocOrdinal"`
	TypeName        string `xml:"TypeName,omitempty"`
	CodeNumber      string `xml:"CodeNumber,omitempty"`
	CodeNotation    string `xml:"CodeNotation,omitempty"`
	IssuedDate      string `xml:"IssuedDate,omitempty"`
	OrganName       string `xml:"OrganName,omitempty"`
	Subject         string `xml:"Subject,omitempty"`
	Language        string `xml:"Language"`
	PageAmount      int    `xml:"PageAmount"`
	Description     string `xml:"Description,omitempty"`
	ConfidenceLevel string `xml:"ConfidenceLevel"`
	Autograph       string `xml:"Autograph,omitempty"`
	Ext             xmlExt `xml:"SohoaExtension"`
}

type xmlExt struct {
	ResultCode  string     `xml:"ResultCode"`
	FirstPage   int        `xml:"FirstPage"`
	LastPage    int        `xml:"LastPage"`
	Place       string     `xml:"Place,omitempty"`
	Signer      string     `xml:"Signer,omitempty"`
	SignerTitle string     `xml:"SignerTitle,omitempty"`
	Recipients  []string   `xml:"Recipients>Recipient,omitempty"`
	Urgency     string     `xml:"Urgency,omitempty"`
	Secrecy     string     `xml:"Secrecy,omitempty"`
	NeedsReview bool       `xml:"NeedsReview"`
	Fields      []xmlField `xml:"Confidence>Field"`
}

type xmlField struct {
	Name        string  `xml:"name,attr"`
	Confidence  float64 `xml:"confidence,attr"`
	Page        int     `xml:"page,attr"`
	Handwritten bool    `xml:"handwritten,attr,omitempty"`
	Unreadable  bool    `xml:"unreadable,attr,omitempty"`
}

func value(f *archival.Field) string {
	if f == nil || f.Unreadable {
		return ""
	}
	return f.Value
}

// splitNumber parts "143/QĐ-UBND" into the number (143) and the notation
// (QĐ-UBND), as the circular keeps them apart.
func splitNumber(s string) (number, notation string) {
	n, rest, ok := strings.Cut(s, "/")
	if !ok {
		return s, ""
	}
	return strings.TrimSpace(n), strings.TrimSpace(rest)
}

// vnDate writes an ISO date as dd/mm/yyyy, the circular's date form.
func vnDate(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return ""
	}
	return t.Format("02/01/2006")
}

// WriteXML writes e as the XML profile of TT 02/2019/TT-BNV (UTF-8).
func (e *Export) WriteXML(w io.Writer, now time.Time) error {
	x := xmlExport{Profile: "TT 02/2019/TT-BNV", FileCode: e.DossierCode, Organ: e.AgencyCode, Created: now.UTC().Truncate(time.Second)}
	for _, r := range e.Results {
		x.Results = append(x.Results, xmlRes{Code: r.ResultCode, Title: r.Title, Pages: r.Pages, SHA256: r.SHA256})
		x.PageTot += r.Pages
		for _, d := range r.Documents {
			x.DocTotal++
			num, notation := splitNumber(value(d.Number))
			doc := xmlDoc{FileCode: e.DossierCode, DocOrdinal: x.DocTotal, TypeName: value(d.DocType),
				CodeNumber: num, CodeNotation: notation, IssuedDate: vnDate(value(d.Date)), OrganName: value(d.Agency),
				Subject: value(d.Summary), Language: "Tiếng Việt", PageAmount: d.LastPage - d.FirstPage + 1,
				// Mức độ tin cậy: a digitized copy of a paper original.
				ConfidenceLevel: "Số hóa",
				Ext: xmlExt{ResultCode: r.ResultCode, FirstPage: d.FirstPage, LastPage: d.LastPage, Place: value(d.Place),
					Signer: value(d.Signer), SignerTitle: value(d.SignerTitle), Urgency: value(d.Urgency), Secrecy: value(d.Secrecy),
					NeedsReview: d.NeedsReview}}
			if d.NeedsReview {
				doc.Description = "Cần kiểm tra lại các trường đọc chưa chắc chắn"
			}
			for _, f := range namedFields(d) {
				doc.Ext.Fields = append(doc.Ext.Fields, xmlField{Name: f.name, Confidence: f.f.Confidence, Page: f.f.Page,
					Handwritten: f.f.Handwritten, Unreadable: f.f.Unreadable})
				if f.f.Handwritten && doc.Autograph == "" {
					doc.Autograph = "Có bút tích (chữ viết tay)"
				}
			}
			for _, r := range d.Recipients {
				if v := value(&r); v != "" {
					doc.Ext.Recipients = append(doc.Ext.Recipients, v)
				}
			}
			x.Docs = append(x.Docs, doc)
		}
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(x); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

type namedField struct {
	name string
	f    *archival.Field
}

// namedFields are d's present fields with their JSON names, in order.
func namedFields(d archival.Document) []namedField {
	m := d.Metadata
	var out []namedField
	for _, f := range []namedField{{"doc_type", m.DocType}, {"number", m.Number}, {"agency", m.Agency}, {"place", m.Place},
		{"date", m.Date}, {"summary", m.Summary}, {"signer", m.Signer}, {"signer_title", m.SignerTitle},
		{"urgency", m.Urgency}, {"secrecy", m.Secrecy}} {
		if f.f != nil {
			out = append(out, f)
		}
	}
	return out
}
