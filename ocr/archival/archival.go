// Package archival reads the archival metadata of Vietnamese administrative
// documents from their OCR results: the header that NĐ 30/2020/NĐ-CP lays
// out (issuing agency and "Số: …" top-left, national motto with place and
// date top-right, the type heading, the summary), the recipients ("Nơi
// nhận", bottom-left) and the signer block (bottom-right).
//
// It is pure Go over ocr.Result: the word boxes are enough to tell the
// blocks that NĐ 30 puts side by side apart, so it runs wherever the
// results are, without the OCR engine.
//
// Nothing is invented: a field the page does not carry is nil, a field
// that is there but cannot be read (handwritten digits in a printed blank,
// a seal over the text) is reported as such with an empty Value, and every
// value carries a confidence calibrated so that a value at or above
// Deliver is one that can be delivered without review.
package archival

import "github.com/sohoa/sohoa/ocr"

// Deliver is the confidence at or above which a value is delivered
// without review; a field present below it sets Document.NeedsReview.
const Deliver = 0.9

// Field is one value read from a document's header or signer block.
type Field struct {
	// Value is normalised: Date is ISO 2006-01-02, DocType the upper-case
	// heading ("QUYẾT ĐỊNH", "CÔNG VĂN" for a letter), text in NFC.
	Value string `json:"value"`
	// Text is the value as read on the page, when Value was normalised.
	Text string `json:"text,omitempty"`
	// Confidence is 0..1, calibrated: >= Deliver means "deliver without
	// review".
	Confidence float64 `json:"confidence"`
	// Page is 1-based within the pages given to Read (not the document's).
	Page int `json:"page"`
	// Boxes are the word boxes the value came from, in page pixels.
	Boxes       []ocr.Box `json:"boxes,omitempty"`
	Handwritten bool      `json:"handwritten,omitempty"`
	// Unreadable: the field is there but could not be read; Value is empty.
	Unreadable bool `json:"unreadable,omitempty"`
}

// Metadata are the fields of one document; an absent field is nil (never
// invented), absent recipients an empty slice.
type Metadata struct {
	DocType     *Field  `json:"doc_type,omitempty"`
	Number      *Field  `json:"number,omitempty"` // số/ký hiệu, "143/UBND-KGVX"
	Agency      *Field  `json:"agency,omitempty"`
	Place       *Field  `json:"place,omitempty"`
	Date        *Field  `json:"date,omitempty"`
	Summary     *Field  `json:"summary,omitempty"` // trích yếu, without "V/v"
	Signer      *Field  `json:"signer,omitempty"`
	SignerTitle *Field  `json:"signer_title,omitempty"` // "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"
	Recipients  []Field `json:"recipients,omitempty"`
	Urgency     *Field  `json:"urgency,omitempty"` // độ khẩn: "KHẨN", "THƯỢNG KHẨN", "HỎA TỐC"
	Secrecy     *Field  `json:"secrecy,omitempty"` // độ mật: "MẬT", "TỐI MẬT", "TUYỆT MẬT"
}

// Document is one administrative document found in a run of pages.
type Document struct {
	FirstPage int `json:"first_page"` // 1-based, within the pages given
	LastPage  int `json:"last_page"`
	Metadata
	// NeedsReview: some field is present but was read with a confidence
	// under Deliver, or is Unreadable.
	NeedsReview bool `json:"needs_review"`
}
