package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"
)

// Manifest describes one batch: the pages of one document of one dossier, in order.
type Manifest struct {
	DossierCode    string   `json:"dossier_code"`
	AgencyCode     string   `json:"agency_code"`
	Title          string   `json:"title"`
	DocumentType   string   `json:"document_type"`
	Station        string   `json:"station"`
	Operator       string   `json:"operator"`
	Pages          []string `json:"pages"`
	IdempotencyKey string   `json:"idempotency_key,omitempty"`
	AllowDuplicate bool     `json:"allow_duplicate,omitempty"`
}

// MaxManifestBytes bounds the manifest part.
const MaxManifestBytes = 1 << 20

// Bounds of manifest fields.
const (
	maxTextField = 500
	maxKey       = 200
	MaxPages     = 2000
)

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
// It fills AgencyCode from the dossier code when empty.
func (m *Manifest) Validate() error {
	d, err := ParseDossierCode(m.DossierCode)
	if err != nil {
		return err
	}
	if m.AgencyCode == "" {
		m.AgencyCode = d.Agency
	}
	for _, f := range []struct {
		name, val string
		required  bool
		vi        string
	}{
		{"agency_code", m.AgencyCode, true, "mã cơ quan"},
		{"title", m.Title, true, "tên tài liệu"},
		{"document_type", m.DocumentType, false, "loại tài liệu"},
		{"station", m.Station, false, "trạm quét"},
		{"operator", m.Operator, false, "người quét"},
	} {
		if f.required && strings.TrimSpace(f.val) == "" {
			return badManifest(f.name, fmt.Sprintf("thiếu %s (%s)", f.vi, f.name), fmt.Sprintf("%s is missing", f.name))
		}
		if !utf8.ValidString(f.val) {
			return badManifest(f.name, fmt.Sprintf("%s không phải UTF-8 hợp lệ", f.name), fmt.Sprintf("%s is not valid UTF-8", f.name))
		}
		if utf8.RuneCountInString(f.val) > maxTextField {
			return badManifest(f.name, fmt.Sprintf("%s dài quá %d ký tự", f.name, maxTextField),
				fmt.Sprintf("%s is longer than %d characters", f.name, maxTextField))
		}
	}
	if len(m.IdempotencyKey) > maxKey {
		return badManifest("idempotency_key", fmt.Sprintf("idempotency_key dài quá %d ký tự", maxKey),
			fmt.Sprintf("idempotency_key is longer than %d characters", maxKey))
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

// checkFileName refuses names that could escape a folder or confuse a shell.
func checkFileName(name string) *Error {
	switch {
	case name == "":
		return &Error{VI: "tên tệp trống", EN: "empty file name"}
	case len(name) > 255:
		return &Error{VI: "tên tệp quá dài", EN: "file name too long"}
	case strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." || path.Base(name) != name:
		return &Error{VI: fmt.Sprintf("tên tệp %q không được chứa đường dẫn", name), EN: fmt.Sprintf("file name %q must not contain a path", name)}
	case !utf8.ValidString(name):
		return &Error{VI: "tên tệp không phải UTF-8", EN: "file name is not UTF-8"}
	}
	return nil
}
