package dossier

import "time"

// AuditFile is the audit a document carries inside itself when its
// agency or station asks for it (sohoa-audit.json, a PDF/A-3 associated
// file): written when the document is prepared for the official's
// signature, so the signature covers it, since a signed file is never
// altered. It says who reviewed the document and what they corrected,
// what happened to the signing request so far, and whose certificate is
// about to sign.
type AuditFile struct {
	// Request is the signing request as it stood (dossier, result code,
	// official on record, the unsigned document's hash...), without an
	// earlier preparation.
	Request    SigningRequest `json:"request"`
	Signer     AuditSigner    `json:"signer"`
	PreparedAt time.Time      `json:"prepared_at"`
	Review     []ReviewChange `json:"review"`
	Audit      []SigningAudit `json:"audit"`
}

// AuditSigner is the certificate presented at prepare.
type AuditSigner struct {
	Name     string    `json:"name"`
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	Serial   string    `json:"serial"` // hexadecimal
	NotAfter time.Time `json:"not_after"`
}
