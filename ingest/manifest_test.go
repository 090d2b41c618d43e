package ingest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// TestManifestBounds: every field of a manifest is bounded in length and in
// the characters it may hold; the error names the field in both languages.
func TestManifestBounds(t *testing.T) {
	ok := func() Manifest {
		return Manifest{BatchInfo: dossier.BatchInfo{DossierCode: "000.00.31.H33-220804-0001",
			Title: "Đơn đề nghị cấp giấy phép xây dựng", DocumentType: "don", Station: "quay-01",
			Operator: "Nguyễn Thị Thủy Tiên"}, Pages: []string{"p1.jpg", "trang 2.jpg"},
			IdempotencyKey: "6f1c2a9e-3b1d-4c1e-9a8f-2d7e5b4c3a21"}
	}
	tests := []struct {
		name  string
		edit  func(m *Manifest)
		field string // "" when the manifest is good
	}{
		{"good", func(m *Manifest) {}, ""},
		{"title of 500 characters", func(m *Manifest) { m.Title = strings.Repeat("ệ", 500) }, ""},
		{"title too long", func(m *Manifest) { m.Title = strings.Repeat("ệ", 501) }, "title"},
		{"newline in title", func(m *Manifest) { m.Title = "Tờ khai\nlevel=ERROR msg=forged" }, "title"},
		{"tab in title", func(m *Manifest) { m.Title = "Tờ\tkhai" }, "title"},
		{"bidi override in operator", func(m *Manifest) { m.Operator = "Nguyễn \u202Egnaht" }, "operator"},
		{"C1 control in document type", func(m *Manifest) { m.DocumentType = "don\u0085" }, "document_type"},
		{"station too long", func(m *Manifest) { m.Station = strings.Repeat("q", 101) }, "station"},
		{"operator too long", func(m *Manifest) { m.Operator = strings.Repeat("ư", 101) }, "operator"},
		{"agency code too long", func(m *Manifest) { m.AgencyCode = strings.Repeat("H", 33) }, "agency_code"},
		{"agency code of the dossier code", func(m *Manifest) { m.AgencyCode = "000.00.31.H33" }, ""},
		{"invalid UTF-8 in title", func(m *Manifest) { m.Title = "T\xffo" }, "title"},
		{"idempotency key with a space", func(m *Manifest) { m.IdempotencyKey = "a b" }, "idempotency_key"},
		{"idempotency key with a newline", func(m *Manifest) { m.IdempotencyKey = "ab\r\nX-Evil: 1" }, "idempotency_key"},
		{"idempotency key too long", func(m *Manifest) { m.IdempotencyKey = strings.Repeat("k", 201) }, "idempotency_key"},
		{"page name with a control character", func(m *Manifest) { m.Pages = []string{"p\x1b[31m.jpg"} }, "pages"},
		{"page name too long", func(m *Manifest) { m.Pages = []string{strings.Repeat("p", 252) + ".jpg"} }, "pages"},
		{"page name with a path", func(m *Manifest) { m.Pages = []string{"../p.jpg"} }, "pages"},
		{"too many pages", func(m *Manifest) {
			m.Pages = nil
			for i := range MaxPages + 1 {
				m.Pages = append(m.Pages, fmt.Sprintf("p%d.jpg", i))
			}
		}, "pages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ok()
			tt.edit(&m)
			err := m.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e := AsError(err)
			if e == nil || e.Field != tt.field || e.Status != 422 || e.VI == "" || e.EN == "" {
				t.Fatalf("got %#v; want a 422 naming %s", err, tt.field)
			}
		})
	}
}

func TestParseManifest(t *testing.T) {
	const ok = `{"dossier_code":"000.00.31.H33-220804-0001","title":"Đơn đề nghị","pages":["p1.jpg","p2.jpg"]}`
	m, err := ParseManifest(strings.NewReader(ok))
	if err != nil {
		t.Fatal(err)
	}
	if m.AgencyCode != "000.00.31.H33" {
		t.Errorf("agency defaulted to %q", m.AgencyCode)
	}
	tests := []struct {
		name, json, field, wantErr string
	}{
		{"syntax", `{"dossier_code":`, "", "invalid JSON"},
		{"unknown field", `{"dossier":"x"}`, "dossier", "unknown field"},
		{"wrong type", `{"dossier_code":"000.00.31.H33-220804-0001","title":"t","pages":"p1.jpg"}`, "pages", "must be"},
		{"no code", `{"title":"t","pages":["a.jpg"]}`, "dossier_code", "missing"},
		{"bad code", `{"dossier_code":"000.00.31.H33-220804-1","title":"t","pages":["a.jpg"]}`, "dossier_code", "4 digits"},
		{"no title", `{"dossier_code":"000.00.31.H33-220804-0001","pages":["a.jpg"]}`, "title", "title is missing"},
		{"no pages", `{"dossier_code":"000.00.31.H33-220804-0001","title":"t","pages":[]}`, "pages", "pages is empty"},
		{"path", `{"dossier_code":"000.00.31.H33-220804-0001","title":"t","pages":["../etc/passwd"]}`, "pages", "must not contain a path"},
		{"twice", `{"dossier_code":"000.00.31.H33-220804-0001","title":"t","pages":["a.jpg","a.jpg"]}`, "pages", "listed twice"},
		{"trailing", ok + `{}`, "", "trailing data"},
		{"long key", `{"dossier_code":"000.00.31.H33-220804-0001","title":"t","pages":["a.jpg"],"idempotency_key":"` + strings.Repeat("k", 201) + `"}`, "idempotency_key", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseManifest(strings.NewReader(tt.json))
			e := AsError(err)
			if e == nil {
				t.Fatalf("got %v, want *Error", err)
			}
			if e.Status != 422 || e.Field != tt.field || !strings.Contains(e.EN, tt.wantErr) {
				t.Errorf("got %d field %q %q; want 422 field %q containing %q", e.Status, e.Field, e.EN, tt.field, tt.wantErr)
			}
		})
	}
}

// TestManifestAgency: the agency comes from the dossier code; a different
// one is a conflict (409) that names both, since it would route result
// events and search filters to another agency.
func TestManifestAgency(t *testing.T) {
	tests := []struct {
		code, agency string
		want         string // agency after Validate; "" when refused
	}{
		{"000.00.31.H33-220804-0001", "", "000.00.31.H33"},
		{"000.00.31.H33-220804-0001", "000.00.31.H33", "000.00.31.H33"},
		{"H33.031.00-260130-DV0001", "", "H33.031.00"},
		{"000.00.31.H33-220804-0001", "000.00.99.X01", ""},
		{"H33.031.00-260130-DV0001", "bo-tai-chinh", ""},
	}
	for _, tt := range tests {
		m := Manifest{BatchInfo: dossier.BatchInfo{DossierCode: tt.code, AgencyCode: tt.agency, Title: "Tờ khai"}, Pages: []string{"p.jpg"}}
		err := m.Validate()
		if tt.want != "" {
			if err != nil || m.AgencyCode != tt.want {
				t.Errorf("%s / %q: agency %q, %v; want %q", tt.code, tt.agency, m.AgencyCode, err, tt.want)
			}
			continue
		}
		e := AsError(err)
		if e == nil || e.Status != 409 || e.Field != "agency_code" || !strings.Contains(e.EN, tt.agency) || !strings.Contains(e.VI, tt.agency) {
			t.Errorf("%s / %q: %v; want a 409 naming both agencies", tt.code, tt.agency, err)
			continue
		}
		if d := strings.Split(tt.code, "-")[0]; !strings.Contains(e.EN, d) || !strings.Contains(e.VI, d) {
			t.Errorf("%s / %q: %q does not name the code's agency %s", tt.code, tt.agency, e.EN, d)
		}
	}
}
