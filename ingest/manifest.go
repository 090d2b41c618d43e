package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// Manifest describes one batch: the pages of one document of one dossier, in order.
type Manifest struct {
	dossier.BatchInfo
	Pages          []string `json:"pages"`
	IdempotencyKey string   `json:"idempotency_key,omitempty"`
	AllowDuplicate bool     `json:"allow_duplicate,omitempty"`
}

// MaxManifestBytes bounds the manifest part.
const MaxManifestBytes = 1 << 20

// Bounds of manifest fields: each is stored, indexed, logged and shown on
// the search page, so none may be unbounded.
const (
	maxTitle    = 500 // a document's title (trích yếu) is a sentence or two
	maxShort    = 100 // document type, station, operator
	maxAgency   = 32  // agency codes are about 13 characters
	maxKey      = 200 // idempotency key: a UUID is 36
	maxFileName = 255 // what file systems take
	// MaxPages bounds the files listed in one manifest.
	MaxPages = 2000
)

// PageFiles lists the page files of the batch, in order.
func (m *Manifest) PageFiles() []string { return m.Pages }

// DefaultKey gives the manifest the idempotency key k (the HTTP
// Idempotency-Key header, the common way for clients that send none in the
// manifest) when it has none: the manifest's own key wins, since it
// travels with the pages (a hot folder's manifest.json keeps it across
// restarts of the station).
func (m *Manifest) DefaultKey(k string) {
	if m.IdempotencyKey == "" {
		m.IdempotencyKey = k
	}
}

// ParseManifest decodes and validates a manifest. Unknown fields are
// refused so that a misspelt field (e.g. "dossier") is not silently dropped.
func ParseManifest(r io.Reader) (*Manifest, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxManifestBytes+1))
	if err != nil {
		return nil, &Error{Status: 400, Field: "manifest", VI: "không đọc được manifest", EN: "cannot read the manifest", Err: err}
	}
	if len(data) > MaxManifestBytes {
		return nil, &Error{Status: 413, Field: "manifest", VI: "manifest quá lớn (tối đa 1 MiB)", EN: "manifest too large (1 MiB at most)"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, badManifest("", fmt.Sprintf("JSON sai cú pháp tại byte %d: %v", se.Offset, err),
				fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err))
		case errors.As(err, &te):
			return nil, badManifest(te.Field, fmt.Sprintf("trường %q phải là %s", te.Field, te.Type),
				fmt.Sprintf("field %q must be %s", te.Field, te.Type))
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return nil, badManifest(f, fmt.Sprintf("trường không được hỗ trợ %q", f), fmt.Sprintf("unknown field %q", f))
		default:
			return nil, badManifest("", fmt.Sprintf("JSON không hợp lệ: %v", err), fmt.Sprintf("invalid JSON: %v", err))
		}
	}
	if dec.More() {
		return nil, badManifest("", "có dữ liệu thừa sau đối tượng JSON", "trailing data after the JSON object")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks every field; the error names the first one that is wrong.
// It fills AgencyCode from the dossier code when empty, and refuses one
// that differs from the code's agency with a 409 naming both.
func (m *Manifest) Validate() error {
	if m.DossierCode == "" {
		return badManifest("dossier_code", "thiếu mã hồ sơ", "dossier code is missing")
	}
	d, err := dossier.ParseCode(m.DossierCode)
	if err != nil {
		var ce *dossier.CodeError
		if errors.As(err, &ce) {
			return &Error{Status: http.StatusUnprocessableEntity, Field: "dossier_code", VI: ce.VI, EN: ce.EN, Err: ce}
		}
		return err
	}
	// The agency routes result events (result.ready.<agency>) and filters
	// search: it is the code's own agency segment, never free text.
	switch {
	case m.AgencyCode == "":
		m.AgencyCode = d.Agency
	case m.AgencyCode != d.Agency:
		if err := checkText(m.AgencyCode, maxAgency); err != nil {
			return badManifest("agency_code", "mã cơ quan (agency_code): "+err.VI, "agency_code: "+err.EN)
		}
		return &Error{Status: http.StatusConflict, Field: "agency_code",
			VI: fmt.Sprintf("manifest: agency_code %q khác mã cơ quan %q trong mã hồ sơ %s; bỏ agency_code hoặc sửa cho khớp", m.AgencyCode, d.Agency, m.DossierCode),
			EN: fmt.Sprintf("manifest: agency_code %q differs from the agency %q of dossier code %s; leave agency_code out or make it match", m.AgencyCode, d.Agency, m.DossierCode)}
	}
	for _, f := range []struct {
		name, val string
		required  bool
		max       int
		vi        string
	}{
		{"agency_code", m.AgencyCode, true, maxAgency, "mã cơ quan"},
		{"title", m.Title, true, maxTitle, "tên tài liệu"},
		{"document_type", m.DocumentType, false, maxShort, "loại tài liệu"},
		{"station", m.Station, false, maxShort, "trạm quét"},
		{"operator", m.Operator, false, maxShort, "người quét"},
	} {
		if f.required && strings.TrimSpace(f.val) == "" {
			return badManifest(f.name, fmt.Sprintf("thiếu %s (%s)", f.vi, f.name), fmt.Sprintf("%s is missing", f.name))
		}
		if err := checkText(f.val, f.max); err != nil {
			return badManifest(f.name, fmt.Sprintf("%s (%s): %s", f.vi, f.name, err.VI), fmt.Sprintf("%s: %s", f.name, err.EN))
		}
	}
	if len(m.IdempotencyKey) > maxKey {
		return badManifest("idempotency_key", fmt.Sprintf("idempotency_key dài quá %d ký tự", maxKey),
			fmt.Sprintf("idempotency_key is longer than %d characters", maxKey))
	}
	if !visibleASCII(m.IdempotencyKey) {
		return badManifest("idempotency_key", "idempotency_key chỉ được gồm chữ, số và dấu ASCII, không có khoảng trắng",
			"idempotency_key may hold only ASCII letters, digits and punctuation, no spaces")
	}
	if len(m.Pages) == 0 {
		return badManifest("pages", "danh sách trang (pages) trống", "pages is empty: list the page files in order")
	}
	if len(m.Pages) > MaxPages {
		return badManifest("pages", fmt.Sprintf("quá nhiều tệp trang (%d, tối đa %d)", len(m.Pages), MaxPages),
			fmt.Sprintf("too many page files (%d, at most %d)", len(m.Pages), MaxPages))
	}
	seen := make(map[string]bool, len(m.Pages))
	for i, p := range m.Pages {
		if err := checkFileName(p); err != nil {
			return badManifest("pages", fmt.Sprintf("trang %d: %s", i+1, err.VI), fmt.Sprintf("page %d: %s", i+1, err.EN))
		}
		if seen[p] {
			return badManifest("pages", fmt.Sprintf("tệp %q xuất hiện hai lần", p), fmt.Sprintf("file %q is listed twice", p))
		}
		seen[p] = true
	}
	return nil
}

// checkText refuses text that is not valid UTF-8, longer than max
// characters, or holds control or bidirectional-override characters (a
// newline in a title forges log lines; U+202E turns a name around on screen).
func checkText(s string, max int) *Error {
	if !utf8.ValidString(s) {
		return &Error{VI: "không phải UTF-8 hợp lệ", EN: "is not valid UTF-8"}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return &Error{VI: fmt.Sprintf("dài %d ký tự, tối đa %d", n, max), EN: fmt.Sprintf("is %d characters long, at most %d", n, max)}
	}
	for _, r := range s {
		if unsafeRune(r) {
			return &Error{VI: fmt.Sprintf("chứa ký tự điều khiển U+%04X", r), EN: fmt.Sprintf("holds the control character U+%04X", r)}
		}
	}
	return nil
}

// unsafeRune reports control characters (C0, DEL, C1), bidirectional
// controls and the BOM, none of which belong in a name or title.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) ||
		r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200E || r == 0x200F || r == 0x061C ||
		r == 0xFEFF
}

func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7F {
			return false
		}
	}
	return true
}

// checkFileName refuses names that could escape a folder or confuse a shell.
func checkFileName(name string) *Error {
	switch {
	case name == "":
		return &Error{VI: "tên tệp trống", EN: "empty file name"}
	case len(name) > maxFileName:
		return &Error{VI: fmt.Sprintf("tên tệp dài quá %d byte", maxFileName), EN: fmt.Sprintf("file name longer than %d bytes", maxFileName)}
	case strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." || path.Base(name) != name:
		return &Error{VI: fmt.Sprintf("tên tệp %q không được chứa đường dẫn", name), EN: fmt.Sprintf("file name %q must not contain a path", name)}
	case !utf8.ValidString(name):
		return &Error{VI: "tên tệp không phải UTF-8", EN: "file name is not UTF-8"}
	case strings.ContainsFunc(name, unsafeRune):
		return &Error{VI: fmt.Sprintf("tên tệp %q chứa ký tự điều khiển", name), EN: fmt.Sprintf("file name %q holds a control character", name)}
	}
	return nil
}
