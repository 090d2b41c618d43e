package archival

import (
	"slices"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ocr"
)

// TestApplyCopies: the copies kept are taken from the English reading
// when it reads as "Lưu:" and plain capitals, confidently, and the page
// reading held no Đ; the item keeps its confidence.
func TestApplyCopies(t *testing.T) {
	for _, c := range []struct {
		name, value string
		reading     ocr.DigitsReading
		want        string
	}{
		{"syllable for a code", "Lưu: VT, KEỰTH", ocr.DigitsReading{Text: "- Luu: VT, KTTH.", Confidence: 91, Ink: true}, "Lưu: VT, KTTH"},
		{"letter lost", "Lưu: VT, THC", ocr.DigitsReading{Text: "- Luu: VT, TTHC.", Confidence: 86, Ink: true}, "Lưu: VT, TTHC"},
		{"VT as a syllable", "Lưu: VLŨ HCTC", ocr.DigitsReading{Text: "~ Luu: VT, HCTC.", Confidence: 90, Ink: true}, "Lưu: VT, HCTC"},
		{"VT read VI in English too", "Lưu: VT, HCTC", ocr.DigitsReading{Text: "- Luu: VI, HCTC.", Confidence: 91, Ink: true}, "Lưu: VT, HCTC"},
		{"unsure", "Lưu: VT, KEỰTH", ocr.DigitsReading{Text: "- Luu: VT, KTTH.", Confidence: 62, Ink: true}, "Lưu: VT, KEỰTH"},
		{"English has no Đ", "Lưu: VT, TĐKT", ocr.DigitsReading{Text: "- Luu: VT, TDKT.", Confidence: 93, Ink: true}, "Lưu: VT, TĐKT"},
		{"not plain codes", "Lưu: VT, NC(Vi58)", ocr.DigitsReading{Text: "- Luu: VT, NC(Vi58).", Confidence: 90, Ink: true}, "Lưu: VT, NC(Vi58)"},
		{"not the copies", "Lưu: VT, NC", ocr.DigitsReading{Text: "Noi nhan: VT, NC", Confidence: 93, Ink: true}, "Lưu: VT, NC"},
		{"nothing read", "Lưu: VT, NC", ocr.DigitsReading{}, "Lưu: VT, NC"},
	} {
		f := &Field{Value: c.value, Confidence: 0.4}
		applyCopies(f, &c.reading)
		if f.Value != c.want || f.Confidence != 0.4 {
			t.Errorf("%s: %q at %.2f, want %q at 0.40", c.name, f.Value, f.Confidence, c.want)
		}
	}
}

// TestDotBelow: the copies kept under Deliver and a signer whose "My"
// may have lost the dot under its y are listed for the second reading,
// the page's request puts them after the handwritten blanks, and the
// readings are taken: the codes read in English, the dot seen.
func TestDotBelow(t *testing.T) {
	page := ocr.Result{Width: 2480, Height: 3508}
	name := []ocr.Box{{X0: 997, Y0: 691, X1: 1138, Y1: 733}, {X0: 1154, Y0: 695, X1: 1229, Y1: 724}, {X0: 1244, Y0: 697, X1: 1297, Y1: 733}}
	docs := []Document{{Metadata: Metadata{
		Date:   &Field{Text: "ngày tháng năm 2025", Unreadable: true, Handwritten: true, Page: 1},
		Signer: &Field{Value: "Nguyễn Bích My", Confidence: 0.85, Page: 1, Boxes: name},
		Recipients: []Field{
			{Value: "Như trên", Confidence: 0.95, Page: 1, Boxes: []ocr.Box{{X0: 356, Y0: 1900, X1: 560, Y1: 1940}}},
			{Value: "Lưu: VT, KEỰTH", Confidence: 0.2, Page: 1, Boxes: []ocr.Box{{X0: 356, Y0: 1976, X1: 420, Y1: 2017}, {X0: 440, Y0: 1976, X1: 756, Y1: 2017}}},
		},
	}}}
	blanks := Blanks([]ocr.Result{page}, docs)
	want := []Blank{
		{Doc: 0, Page: 1, Part: BlankCopies, Item: 1, Box: ocr.Box{X0: 336, Y0: 1963, X1: 776, Y1: 2030}},
		{Doc: 0, Page: 1, Part: BlankDotBelow, Item: 2, Box: name[2]},
	}
	if !slices.Equal(blanks, want) {
		t.Fatalf("blanks %+v, want %+v", blanks, want)
	}
	// A handwritten day on the page goes first.
	day := Blank{Doc: 0, Page: 1, Part: BlankDay, Box: ocr.Box{X0: 1600, Y0: 400, X1: 1700, Y1: 480}}
	var in ocr.DigitsInput
	order := PageRequest(&in, []Blank{want[1], want[0], day})
	if !slices.Equal(order, []Blank{day, want[0], want[1]}) || len(in.Blanks) != 1 || len(in.Codes) != 1 || len(in.DotsBelow) != 1 || in.DotsBelow[0] != name[2] {
		t.Fatalf("request %+v, order %+v", in, order)
	}
	ApplyDigits(docs, order, []ocr.DigitsReading{{}, {Text: "- Luu: VT, KTTH.", Confidence: 91, Ink: true}, {Ink: true}}, time.Now())
	d := docs[0]
	if d.Recipients[1].Value != "Lưu: VT, KTTH" || d.Signer.Value != "Nguyễn Bích Mỵ" || d.Signer.Confidence >= Deliver || !d.NeedsReview {
		t.Errorf("after the second reading: copies %+v, signer %+v", d.Recipients[1], d.Signer)
	}
	// No dot seen: the name stays as read.
	docs[0].Signer = &Field{Value: "Nguyễn Bích My", Confidence: 0.85, Page: 1, Boxes: name}
	ApplyDigits(docs, want[1:], []ocr.DigitsReading{{}}, time.Now())
	if docs[0].Signer.Value != "Nguyễn Bích My" {
		t.Errorf("no dot: signer %+v", docs[0].Signer)
	}
	// A name delivered, or whose y with a dot is no name, is not looked at.
	for _, s := range []*Field{
		{Value: "Nguyễn Bích My", Confidence: 0.95, Page: 1, Boxes: name},
		{Value: "Nguyễn Bích Vy", Confidence: 0.85, Page: 1, Boxes: name},
	} {
		if got := dotBlanks(0, Document{Metadata: Metadata{Signer: s}}, []ocr.Result{page}); len(got) != 0 {
			t.Errorf("%q at %.2f: %+v", s.Value, s.Confidence, got)
		}
	}
}

// TestApplyName: a given name read with a mark that makes no common name
// is taken from the readings at other scales when they give exactly one
// common name of its letters there, and the name stays under Deliver.
func TestApplyName(t *testing.T) {
	for _, c := range []struct {
		name, value, readings, want string
	}{
		{"hook read over an i", "Trần Thu Chỉ", "Trần Thu Chỉ\nTrần Thu Chỉ\nTrần Thu Chỉ\nTrần Thu Chi\nTrần Thu Chỉ", "Trần Thu Chi"},
		{"acute for a hook", "Kiều Văn Ấn", "-Kiòt Văn Ẩn\n“Kiềổ Văn Ẩn\nKiòi Văn Ấn\n\nKi» t Văn Ấn", "Kiều Văn Ẩn"},
		{"junk before the name", "Lương Thị Ngần", "'kứƠơkŠ Thị Ngân\n'kứƠơùŠ Thị Ngân", "Lương Thị Ngân"},
		{"never read otherwise", "Mạc Thị Ấn", "| Mạc Thị Ấn\n_ Mạc Thị Ấn\nMạc Thị Ấn", "Mạc Thị Ấn"},
		{"two names of those letters", "Hồ Diệu Ân", "Hồ Diệu Ẩn\nHồ Diệu An", "Hồ Diệu Ân"},
		{"other letters", "Trần Thu Chỉ", "Trần Thu Thi\nTrần Thu Chu", "Trần Thu Chỉ"},
		{"two listed names", "Trần Thu Chỉ", "Trần Thu Chí\nTrần Thu Chi", "Trần Thu Chỉ"},
		{"nothing read", "Trần Thu Chỉ", "", "Trần Thu Chỉ"},
	} {
		f := &Field{Value: c.value, Confidence: 0.8}
		applyName(f, &ocr.DigitsReading{Text: c.readings, Ink: c.readings != ""})
		if f.Value != c.want || f.Confidence > 0.85 {
			t.Errorf("%s: %q at %.2f, want %q", c.name, f.Value, f.Confidence, c.want)
		}
	}
	page := ocr.Result{Width: 2480, Height: 3508}
	boxes := []ocr.Box{{X0: 1540, Y0: 1089, X1: 1670, Y1: 1134}, {X0: 1686, Y0: 1092, X1: 1791, Y1: 1134}, {X0: 1810, Y0: 1091, X1: 1897, Y1: 1134}}
	for _, c := range []struct {
		value string
		conf  float64
		want  int
	}{
		{"Trần Thu Chỉ", 0.85, 1},
		{"Trần Thu Chi", 0.85, 0}, // a common name
		{"Trân Thu Chi", 0.85, 0}, // the family name is mendFamilyName's
		{"Trần Thu Chỉ", 0.95, 0}, // delivered
	} {
		d := Document{Metadata: Metadata{Signer: &Field{Value: c.value, Confidence: c.conf, Page: 1, Boxes: boxes}}}
		if got := nameBlanks(0, d, []ocr.Result{page}); len(got) != c.want || c.want == 1 && got[0].Box != (ocr.Box{X0: 1518, Y0: 1074, X1: 1919, Y1: 1149}) {
			t.Errorf("%q at %.2f: %+v", c.value, c.conf, got)
		}
	}
}
