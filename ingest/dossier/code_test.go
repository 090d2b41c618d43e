package dossier

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCode(t *testing.T) {
	tests := []struct {
		code    string
		format  Format
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
		{"H33.031.00-260130-DV001", "", "4 to 8 digits"},
		{"H33.031.00-260130-0001", "", "4 to 8 digits"},
		{"H33.031.00-260130-DV12345678", FormatTT04, ""}, // 8 digits: the longest code
		{"H33.031.00-260130-DV123456789", "", "at most 28"},
		// A 245-character code was accepted and could never be stored; a
		// 320-character one hung the request.
		{"H33.031.00-260130-DV" + strings.Repeat("1", 225), "", "at most 28"},
		{"H33.031.00-260130-DV" + strings.Repeat("1", 300), "", "at most 28"},
		{"H33.031.00-260130-D-0001", "", "3 parts"},
		{"H33.031.00-260124-DV0001", "", "from 25/01/2026"},
		{"H33.31.00-260130-DV0001", "", "agency code"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			d, err := ParseCode(tt.code)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseCode(%q) = %v, want valid", tt.code, err)
				}
				if d.Format != tt.format {
					t.Errorf("format = %s, want %s", d.Format, tt.format)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseCode(%q) accepted, want error containing %q", tt.code, tt.wantErr)
			}
			var e *CodeError
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Fatalf("error %#v: want *CodeError for %q", err, tt.code)
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
