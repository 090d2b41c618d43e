package dossier

import "time"

// Signing modes, per agency or station: who signs a result.
const (
	// SignServer: the server's key signs as the document is built (an
	// organisation seal, or a demo).
	SignServer = "server"
	// SignDesk: the document waits for the personal signature of the
	// official who scanned it, made on their own token (TT 01/2023 art. 8).
	SignDesk = "desk"
	// SignDeskSeal: as SignDesk, then the server adds the organisation's
	// signature as a second, incremental signature.
	SignDeskSeal = "desk+seal"
)

// ValidSigningMode reports whether m names a signing mode.
func ValidSigningMode(m string) bool { return m == SignServer || m == SignDesk || m == SignDeskSeal }

// Signing request states.
const (
	SigningAwaiting = "awaiting" // assembled, waiting for the official's signature
	SigningSigned   = "signed"   // signed, verified and linked as ResultCode
	SigningExpired  = "expired"  // left unsigned past its deadline: an exception
)

// SigningRequest is a document assembled in a desk mode, waiting for (or
// given) the personal signature of the official on record.
type SigningRequest struct {
	ID          string `json:"id"`
	BatchID     string `json:"batch_id"`
	DossierCode string `json:"dossier_code"`
	ResultCode  string `json:"result_code"` // reserved <dossier>-KQ<n>; linked once signed
	Title       string `json:"title"`
	Pages       int    `json:"pages"`
	Station     string `json:"station"`
	Official    string `json:"official"` // the batch's operator: who must sign
	Mode        string `json:"mode"`
	State       string `json:"state"`
	BaseKey     string `json:"-"`      // blob of the unsigned PDF/A
	BaseSHA256  string `json:"sha256"` // of the unsigned PDF/A
	// Prepared is the file with the official's signature field, waiting
	// for the signature value; nil until prepared, and again after the
	// base changes.
	Prepared      *PreparedSignature `json:"prepared,omitempty"`
	SignerName    string             `json:"signer_name,omitempty"`
	SignerSubject string             `json:"signer_subject,omitempty"`
	SignedAt      *time.Time         `json:"signed_at,omitempty"`
	Deadline      time.Time          `json:"deadline"`
	CreatedAt     time.Time          `json:"created_at"`
	UpdatedAt     time.Time          `json:"updated_at"`
}

// PreparedSignature is the base with a signature placeholder for one
// certificate: what the official's token signs.
type PreparedSignature struct {
	Key            string    `json:"-"`
	SHA256         string    `json:"sha256"`
	BaseSHA256     string    `json:"base_sha256"`
	CertSHA256     string    `json:"cert_sha256"`    // hex SHA-256 of the signer's certificate (DER)
	Chain          [][]byte  `json:"-"`              // DER, signer first
	MessageDigest  []byte    `json:"message_digest"` // SHA-256 over the ByteRange
	ContentsOffset int64     `json:"-"`
	Reserved       int       `json:"-"`
	At             time.Time `json:"at"`
}

// SigningAudit is one line of a signing request's history: who did what
// and when (prepared, refused, signed, sealed, expired; the review adds
// its corrections and page changes).
type SigningAudit struct {
	RequestID string    `json:"-"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"` // token name, or the signer's name
	Action    string    `json:"action"`
	Detail    string    `json:"detail,omitempty"`
	DetailVI  string    `json:"detail_vi,omitempty"`
}

// SigningDigest is what an official's token signs for a prepared
// request, with what it is computed over.
type SigningDigest struct {
	MessageDigest    []byte `json:"message_digest"`    // SHA-256 over the ByteRange of the prepared file
	SignedAttributes []byte `json:"signed_attributes"` // DER SET OF the CMS signed attributes
	Digest           []byte `json:"digest"`            // SHA-256 of SignedAttributes: what the key signs
	Algorithm        string `json:"algorithm"`         // "SHA-256"
	PreparedSHA256   string `json:"prepared_sha256"`
	SignerName       string `json:"signer_name"`
}

// SigningRefusal is a signing step refused, with the reason in English and
// Vietnamese. Conflict: the request is not in a state for it (HTTP 409);
// otherwise what was sent is wrong (HTTP 422).
type SigningRefusal struct {
	Conflict         bool
	Reason, ReasonVI string
}

func (e *SigningRefusal) Error() string { return "signing refused: " + e.Reason }
