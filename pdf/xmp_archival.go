package pdf

import (
	"fmt"
	"strings"

	"github.com/sohoa/sohoa/ocr/archival"
)

// The archival documents ride in the sohoa schema as sohoa:ArchivalDocuments,
// a Seq of a structured value type declared beside the schema (PDF/A-1
// 6.7.8: pdfaSchema:valueType), whose fields live in a namespace of their
// own. Only values are carried (confidences and boxes stay in the records):
// an unreadable field is left out, as an absent one. The array type is
// spelt "seq" as in the XMP 2004 property tables ("seq ProperName"):
// PDFBox Preflight knows no other spelling.
const (
	archivalNS     = "https://sohoa.vn/ns/archival/1.0/"
	archivalPrefix = "sohoaDoc"
	archivalType   = "ArchivalDocument"
)

type archivalProp struct {
	name, valueType, desc string
	value                 func(d archival.Document) string
}

func fieldValue(f *archival.Field) string {
	if f == nil || f.Unreadable {
		return ""
	}
	return f.Value
}

// archivalProps are the fields of sohoaDoc:ArchivalDocument, in order.
var archivalProps = []archivalProp{
	{"DocType", "Text", "Document type (tên loại văn bản), e.g. QUYẾT ĐỊNH", func(d archival.Document) string { return fieldValue(d.DocType) }},
	{"Number", "Text", "Number and notation (số, ký hiệu), e.g. 143/QĐ-UBND", func(d archival.Document) string { return fieldValue(d.Number) }},
	{"Agency", "Text", "Issuing agency (cơ quan ban hành)", func(d archival.Document) string { return fieldValue(d.Agency) }},
	{"Place", "Text", "Place of issue (địa danh)", func(d archival.Document) string { return fieldValue(d.Place) }},
	{"IssueDate", "Text", "Date of issue, ISO 8601 (ngày ban hành)", func(d archival.Document) string { return fieldValue(d.Date) }},
	{"Summary", "Text", "Summary (trích yếu nội dung)", func(d archival.Document) string { return fieldValue(d.Summary) }},
	{"Signer", "Text", "Signer (người ký)", func(d archival.Document) string { return fieldValue(d.Signer) }},
	{"SignerTitle", "Text", "Signer's position (chức vụ người ký)", func(d archival.Document) string { return fieldValue(d.SignerTitle) }},
	{"Urgency", "Text", "Urgency mark (độ khẩn)", func(d archival.Document) string { return fieldValue(d.Urgency) }},
	{"Secrecy", "Text", "Secrecy mark (độ mật)", func(d archival.Document) string { return fieldValue(d.Secrecy) }},
	{"Recipients", "Text", "Recipients (nơi nhận), one a line", func(d archival.Document) string {
		var rs []string
		for _, r := range d.Recipients {
			if v := fieldValue(&r); v != "" {
				rs = append(rs, v)
			}
		}
		return strings.Join(rs, "\n")
	}},
	{"FirstPage", "Integer", "First page of the document in the file", func(d archival.Document) string { return fmt.Sprint(d.FirstPage) }},
	{"LastPage", "Integer", "Last page of the document in the file", func(d archival.Document) string { return fmt.Sprint(d.LastPage) }},
	{"NeedsReview", "Boolean", "Some field was read with low confidence", func(d archival.Document) string {
		if d.NeedsReview {
			return "True"
		}
		return "False"
	}},
}

// writeArchivalType declares sohoaDoc:ArchivalDocument inside the sohoa
// schema's pdfaSchema entry.
func writeArchivalType(b *strings.Builder) {
	fmt.Fprintf(b, `<pdfaSchema:valueType><rdf:Seq><rdf:li rdf:parseType="Resource"><pdfaType:type>%s</pdfaType:type><pdfaType:namespaceURI>%s</pdfaType:namespaceURI><pdfaType:prefix>%s</pdfaType:prefix><pdfaType:description>Archival metadata of one administrative document</pdfaType:description><pdfaType:field><rdf:Seq>`,
		archivalType, archivalNS, archivalPrefix)
	for _, p := range archivalProps {
		fmt.Fprintf(b, `<rdf:li rdf:parseType="Resource"><pdfaField:name>%s</pdfaField:name><pdfaField:valueType>%s</pdfaField:valueType><pdfaField:description>%s</pdfaField:description></rdf:li>`,
			p.name, p.valueType, xmlEsc(p.desc))
	}
	b.WriteString(`</rdf:Seq></pdfaType:field></rdf:li></rdf:Seq></pdfaSchema:valueType>`)
}

// writeArchivalDocuments writes the value of sohoa:ArchivalDocuments.
func writeArchivalDocuments(b *strings.Builder, docs []archival.Document) {
	fmt.Fprintf(b, `<%s:ArchivalDocuments><rdf:Seq>`, sohoaPrefix)
	for _, d := range docs {
		b.WriteString(`<rdf:li rdf:parseType="Resource">`)
		for _, p := range archivalProps {
			if v := p.value(d); v != "" {
				fmt.Fprintf(b, "<%s:%s>%s</%s:%s>", archivalPrefix, p.name, xmlEsc(v), archivalPrefix, p.name)
			}
		}
		b.WriteString(`</rdf:li>`)
	}
	fmt.Fprintf(b, `</rdf:Seq></%s:ArchivalDocuments>`, sohoaPrefix)
}
