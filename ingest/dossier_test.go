package ingest

import (
	"strings"
	"testing"
)

func TestParseDossierCode(t *testing.T) {
	tests := []struct {
		code    string
		format  DossierFormat
		wantErr string // substring of the English message; "" = valid
	}{
		{"000.00.31.H33-220804-0001", FormatTT01, ""},
		{"123.45.67.G01-200229-9999", FormatTT01, ""}, // 2020 is a leap year
		{"H33.031.00-260130-DV0001", FormatTT04, ""},
		{"H33.031.00-260125-010012345", FormatTT04, ""}, // longer sequence
		{"", "", "missing"},
		{" 000.00.31.H33-220804-0001", "", "spaces"},
		{"000.00.31.H33-220804", "", "3 parts"},
		{"000.00.31.H33_220804_0001", "", "3 parts"},
		{"00.00.31.H33-220804-0001", "", "agency code"},
		{"000.00.31.h33-220804-0001", "", "agency code"},
		{"000.00.31.333-220804-0001", "", "agency code"},
		{"000.00.31.H33-22084-0001", "", "6 digits"},
		{"000.00.31.H33-22O804-0001", "", "6 digits"},
		{"000.00.31.H33-221304-0001", "", "not a real date"},
		{"000.00.31.H33-220230-0001", "", "not a real date"},
		{"000.00.31.H33-210229-0001", "", "not a real date"}, // 2021 is not a leap year
		{"000.00.31.H33-220800-0001", "", "not a real date"},
		{"000.00.31.H33-220804-001", "", "exactly 4 digits"},
		{"000.00.31.H33-220804-00001", "", "exactly 4 digits"},
		{"000.00.31.H33-220804-00A1", "", "exactly 4 digits"},
		{"H33.031.00-260130-DV001", "", "at least 4 digits"},
		{"H33.031.00-260130-0001", "", "at least 4 digits"},
		{"H33.031.00-260130-D-0001", "", "3 parts"},
		{"H33.031.00-260124-DV0001", "", "from 25/01/2026"},
		{"H33.31.00-260130-DV0001", "", "agency code"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			d, err := ParseDossierCode(tt.code)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseDossierCode(%q) = %v, want valid", tt.code, err)
				}
				if d.Format != tt.format {
					t.Errorf("format = %s, want %s", d.Format, tt.format)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseDossierCode(%q) accepted, want error containing %q", tt.code, tt.wantErr)
			}
			e := AsError(err)
			if e == nil || e.Status != 422 || e.Field != "dossier_code" {
				t.Fatalf("error %#v: want *Error 422 on dossier_code", err)
			}
			if !strings.Contains(e.EN, tt.wantErr) {
				t.Errorf("EN %q does not say %q", e.EN, tt.wantErr)
			}
			if e.VI == "" || e.VI == e.EN {
				t.Errorf("VI message missing: %q", e.VI)
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
