package pdf

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// Namespace of the sohoa dossier extension schema, declared in every XMP
// packet through pdfaExtension:schemas as PDF/A requires.
const (
	sohoaNS     = "https://sohoa.vn/ns/dossier/1.0/"
	sohoaPrefix = "sohoa"
	producer    = "sohoa"
)

func xmlEsc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func xmpDate(t time.Time) string { return t.Format("2006-01-02T15:04:05-07:00") }

// pdfDate formats t as a PDF date string with the same second and zone as
// xmpDate, so that Info and XMP agree.
func pdfDate(t time.Time) string {
	_, off := t.Zone()
	sign := "+"
	if off < 0 {
		sign = "-"
		off = -off
	}
	return fmt.Sprintf("(D:%s%s%02d'%02d')", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}

type dossierProp struct{ name, valueType, desc, value string }

func dossierProps(m Metadata, pages int) []dossierProp {
	return []dossierProp{
		{"DossierCode", "Text", "Dossier code (TT 01/2018/TT-VPCP, TT 04/2025/TT-VPCP)", m.DossierCode},
		{"ResultCode", "Text", "Electronic result code (ND 45/2020 art. 14.3)", m.ResultCode},
		{"AgencyCode", "Text", "Receiving agency code", m.AgencyCode},
		{"DocumentType", "Text", "Document type", m.DocumentType},
		{"DocumentTitle", "Text", "Document title", m.Title},
		{"PageCount", "Integer", "Number of scanned pages", fmt.Sprint(pages)},
		{"Language", "Text", "Language of the text layer", m.Language},
		{"Station", "Text", "Scanner station", m.Station},
		{"Operator", "Text", "Official who scanned the document", m.Operator},
	}
}

// buildXMP returns the metadata packet. part is 1, 2 or 3.
func buildXMP(m Metadata, part int, created time.Time, pages int) []byte {
	var b strings.Builder
	b.WriteString("<?xpacket begin=\"\ufeff\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">` + "\n")
	b.WriteString(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` + "\n")

	fmt.Fprintf(&b, `<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>%d</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>`+"\n", part)

	fmt.Fprintf(&b, `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:CreateDate>%s</xmp:CreateDate><xmp:ModifyDate>%s</xmp:ModifyDate><xmp:MetadataDate>%s</xmp:MetadataDate><xmp:CreatorTool>%s</xmp:CreatorTool></rdf:Description>`+"\n",
		xmpDate(created), xmpDate(created), xmpDate(created), producer)
	fmt.Fprintf(&b, `<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"><pdf:Producer>%s</pdf:Producer></rdf:Description>`+"\n", producer)

	b.WriteString(`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>application/pdf</dc:format>`)
	if m.Title != "" {
		fmt.Fprintf(&b, `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">%s</rdf:li></rdf:Alt></dc:title>`, xmlEsc(m.Title))
	}
	if m.Operator != "" {
		fmt.Fprintf(&b, `<dc:creator><rdf:Seq><rdf:li>%s</rdf:li></rdf:Seq></dc:creator>`, xmlEsc(m.Operator))
	}
	if m.Language != "" {
		fmt.Fprintf(&b, `<dc:language><rdf:Bag><rdf:li>%s</rdf:li></rdf:Bag></dc:language>`, xmlEsc(m.Language))
	}
	b.WriteString("</rdf:Description>\n")

	props := dossierProps(m, pages)
	// Extension schema declaration (PDF/A-1 6.7.8, PDF/A-2 6.6.2.3).
	b.WriteString(`<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#" xmlns:pdfaType="http://www.aiim.org/pdfa/ns/type#" xmlns:pdfaField="http://www.aiim.org/pdfa/ns/field#">`)
	b.WriteString(`<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">`)
	fmt.Fprintf(&b, `<pdfaSchema:schema>sohoa dossier metadata</pdfaSchema:schema><pdfaSchema:namespaceURI>%s</pdfaSchema:namespaceURI><pdfaSchema:prefix>%s</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq>`, sohoaNS, sohoaPrefix)
	for _, p := range props {
		fmt.Fprintf(&b, `<rdf:li rdf:parseType="Resource"><pdfaProperty:name>%s</pdfaProperty:name><pdfaProperty:valueType>%s</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>%s</pdfaProperty:description></rdf:li>`, p.name, p.valueType, xmlEsc(p.desc))
	}
	if len(m.Documents) > 0 {
		fmt.Fprintf(&b, `<rdf:li rdf:parseType="Resource"><pdfaProperty:name>ArchivalDocuments</pdfaProperty:name><pdfaProperty:valueType>seq %s</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>Administrative documents read from the pages (NĐ 30/2020/NĐ-CP headers)</pdfaProperty:description></rdf:li>`, archivalType)
	}
	b.WriteString("</rdf:Seq></pdfaSchema:property>")
	if len(m.Documents) > 0 {
		writeArchivalType(&b)
	}
	b.WriteString("</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>\n")

	fmt.Fprintf(&b, `<rdf:Description rdf:about="" xmlns:%s="%s" xmlns:%s="%s">`, sohoaPrefix, sohoaNS, archivalPrefix, archivalNS)
	for _, p := range props {
		if p.value == "" {
			continue
		}
		fmt.Fprintf(&b, "<%s:%s>%s</%s:%s>", sohoaPrefix, p.name, xmlEsc(p.value), sohoaPrefix, p.name)
	}
	if len(m.Documents) > 0 {
		writeArchivalDocuments(&b, m.Documents)
	}
	b.WriteString("</rdf:Description>\n")
	b.WriteString("</rdf:RDF>\n</x:xmpmeta>\n")
	// Padding lets a later tool update the packet in place.
	b.WriteString(strings.Repeat(strings.Repeat(" ", 99)+"\n", 20))
	b.WriteString(`<?xpacket end="w"?>`)
	return []byte(b.String())
}
