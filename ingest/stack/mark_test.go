package stack

import (
	"slices"
	"testing"
	"time"
)

func TestMarkOf(t *testing.T) {
	for _, tc := range []struct {
		text string
		kind Kind
		code string
	}{
		{"SOHOA-SEP:1:000.00.31.H33-261127-0001", Separator, "000.00.31.H33-261127-0001"},
		{"SOHOA-SEP:1:H33.031.00-260301-AB0001", Separator, "H33.031.00-260301-AB0001"},
		{"SOHOA-SEP:1:000.00.31.H33-261327-0001", Unreadable, ""}, // no 27th month: never start a dossier under it
		{"SOHOA-SEP:2:000.00.31.H33-261127-0001", Unreadable, ""}, // a later sheet this build does not know
		{"000.00.31.H33-261127-0001", Receipt, "000.00.31.H33-261127-0001"},
		{" 000.00.31.H33-261127-0001\n", Receipt, "000.00.31.H33-261127-0001"},
		{"https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?ma=000.00.31.H33-261127-0001", None, ""},
		{"000.00.31.H33-261127-001", None, ""},
		{"", None, ""},
	} {
		m := MarkOf(tc.text)
		if m.Kind != tc.kind || m.Code != tc.code {
			t.Errorf("MarkOf(%q) = %v %q, want %v %q", tc.text, m.Kind, m.Code, tc.kind, tc.code)
		}
	}
}

func TestMarkOfSymbols(t *testing.T) {
	const a, b = "000.00.31.H33-261127-0001", "000.00.31.H33-261127-0002"
	for _, tc := range []struct {
		texts []string
		kind  Kind
		code  string
	}{
		{[]string{a, "SOHOA-SEP:1:" + a}, Separator, a},
		{[]string{"https://x", a}, Receipt, a},
		{[]string{a, b}, Unreadable, ""},
		{[]string{"SOHOA-SEP:1:" + a, b}, Unreadable, ""},
		{nil, None, ""},
	} {
		m := markOfSymbols(tc.texts)
		if m.Kind != tc.kind || m.Code != tc.code {
			t.Errorf("markOfSymbols(%q) = %v %q, want %v %q", tc.texts, m.Kind, m.Code, tc.kind, tc.code)
		}
	}
}

func TestProposeCode(t *testing.T) {
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"clean", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ\nMã hồ sơ: 000.00.31.H33-261127-0001\n(Liên: ...)", []string{"000.00.31.H33-261127-0001"}},
		{"new format", "Mã hồ sơ: H33.031.00-260301-AB0001", []string{"H33.031.00-260301-AB0001"}},
		{"marks lost, spaces from OCR", "Ma ho so : 000.00.31 . H33 - 261127 - 0001", []string{"000.00.31.H33-261127-0001"}},
		{"words after the code", "Mã hồ sơ: 000.00.31.H33-261127-0001 Ngày nhận", []string{"000.00.31.H33-261127-0001"}},
		{"misread date", "Mã hồ sơ: 000.00.31.H33-261327-0001", nil},
		{"date in the future", "Mã hồ sơ: 000.00.31.H33-271127-0001", nil},
		{"TT04 before 25/01/2026", "Mã hồ sơ: H33.031.00-250301-AB0001", nil},
		{"no label", "000.00.31.H33-261127-0001", nil},
		{"twice the same", "Mã hồ sơ: 000.00.31.H33-261127-0001\nMã hồ sơ: 000.00.31.H33-261127-0001", []string{"000.00.31.H33-261127-0001"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range ProposeCode(tc.text, now) {
				got = append(got, p.Code)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("ProposeCode = %q, want %q", got, tc.want)
			}
		})
	}
}
