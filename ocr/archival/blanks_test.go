package archival

import (
	"testing"
	"time"

	"github.com/sohoa/sohoa/ocr"
)

func TestPlausibleDate(t *testing.T) {
	today := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		day, month, year int
		want             string
	}{
		{6, 11, 2025, "2025-11-06"},
		{29, 2, 2024, "2024-02-29"},
		{2, 12, 2026, "2026-12-02"}, // today
		{29, 2, 2025, ""},           // not a leap year
		{31, 4, 2025, ""},           // April has 30 days
		{3, 12, 2026, ""},           // tomorrow: a document is not dated after its scan
		{0, 5, 2025, ""},
		{32, 5, 2025, ""},
		{15, 13, 2025, ""},
		{15, 0, 2025, ""},
		{15, 5, 1900, ""}, // before the republic's administrative documents
	} {
		got, ok := plausibleDate(c.day, c.month, c.year, today)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("plausibleDate(%d, %d, %d) = %q %v, want %q", c.day, c.month, c.year, got, ok, c.want)
		}
	}
}

// TestApplyDigits: a second reading is taken only when it is plausible and
// confident; otherwise the field stays as the page reading left it.
func TestApplyDigits(t *testing.T) {
	today := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	unreadableDate := func(text string) *Field {
		return &Field{Text: text, Unreadable: true, Handwritten: true, Page: 1}
	}
	for _, c := range []struct {
		name     string
		date     *Field
		number   *Field
		blanks   []BlankPart
		readings []ocr.DigitsReading
		want     string // the value after
		wantConf float64
	}{
		{"day read", unreadableDate("ngày ố_ tháng 11 năm 2025"), nil, []BlankPart{BlankDay},
			[]ocr.DigitsReading{{Text: "6", Confidence: 96, Ink: true}}, "2025-11-06", Deliver},
		{"day and month read", unreadableDate("ngày tháng năm 2024"), nil, []BlankPart{BlankDay, BlankMonth},
			[]ocr.DigitsReading{{Text: "05", Confidence: 95, Ink: true}, {Text: "3", Confidence: 90, Ink: true}}, "2024-03-05", Deliver},
		{"day unsure: for review", unreadableDate("ngày ố_ tháng 11 năm 2025"), nil, []BlankPart{BlankDay},
			[]ocr.DigitsReading{{Text: "6", Confidence: 70, Ink: true}}, "2025-11-06", 0.7},
		{"day not confident", unreadableDate("ngày ố_ tháng 11 năm 2025"), nil, []BlankPart{BlankDay},
			[]ocr.DigitsReading{{Text: "6", Confidence: 40, Ink: true}}, "", 0},
		{"day out of range", unreadableDate("ngày ố_ tháng 11 năm 2025"), nil, []BlankPart{BlankDay},
			[]ocr.DigitsReading{{Text: "61", Confidence: 96, Ink: true}}, "", 0},
		{"31 November", unreadableDate("ngày ố_ tháng 11 năm 2025"), nil, []BlankPart{BlankDay},
			[]ocr.DigitsReading{{Text: "31", Confidence: 96, Ink: true}}, "", 0},
		{"after today", unreadableDate("ngày tháng 12 năm 2026"), nil, []BlankPart{BlankDay},
			[]ocr.DigitsReading{{Text: "24", Confidence: 96, Ink: true}}, "", 0},
		{"year not printed", unreadableDate("ngày tháng 11 năm 20"), nil, []BlankPart{BlankDay},
			[]ocr.DigitsReading{{Text: "6", Confidence: 96, Ink: true}}, "", 0},
		{"month blank not read", unreadableDate("ngày tháng năm 2024"), nil, []BlankPart{BlankDay, BlankMonth},
			[]ocr.DigitsReading{{Text: "05", Confidence: 95, Ink: true}, {Ink: true}}, "", 0},
		{"a slash read in the day", unreadableDate("ngày tháng 11 năm 2025"), nil, []BlankPart{BlankDay},
			[]ocr.DigitsReading{{Text: "1/", Confidence: 96, Ink: true}}, "", 0},
		{"another day than the page reading's", &Field{Value: "2025-11-08", Text: "ngày 8 tháng 11 năm 2025", Confidence: 0.6, Handwritten: true, Page: 1}, nil,
			[]BlankPart{BlankDay}, []ocr.DigitsReading{{Text: "6", Confidence: 96, Ink: true}}, "2025-11-06", 0.7},
		{"month read again for its digits read unsure: the reading, for review where it is another",
			&Field{Value: "2025-03-06", Text: "ngày 6É tháng 3 năm 2025", Confidence: 0.4, Handwritten: true, Page: 1}, nil,
			[]BlankPart{BlankDay, BlankMonth}, []ocr.DigitsReading{{Text: "6", Confidence: 97, Ink: true}, {Text: "5", Confidence: 90, Ink: true}}, "2025-05-06", 0.7},
		{"month read again and not read: the page reading's, for review",
			&Field{Value: "2025-03-06", Text: "ngày 6É tháng 3 năm 2025", Confidence: 0.4, Handwritten: true, Page: 1}, nil,
			[]BlankPart{BlankDay, BlankMonth}, []ocr.DigitsReading{{Text: "6", Confidence: 97, Ink: true}, {Ink: true}}, "2025-03-06", 0.7},
		{"month read again, the same", &Field{Value: "2025-03-06", Text: "ngày 6É tháng 3 năm 2025", Confidence: 0.4, Handwritten: true, Page: 1}, nil,
			[]BlankPart{BlankDay, BlankMonth}, []ocr.DigitsReading{{Text: "6", Confidence: 97, Ink: true}, {Text: "3", Confidence: 90, Ink: true}}, "2025-03-06", Deliver},
		{"day's readers disagree, the network reads the page reading's day: for review", unreadableDate("ngày 27 tháng Óế năm 2026"), nil,
			[]BlankPart{BlankDay, BlankMonth}, []ocr.DigitsReading{{Text: "2/", Ink: true, Hand: "27", HandProb: 0.998}, {Text: "06", Confidence: 96, Ink: true}}, "2026-06-27", 0.7},
		{"day's readers disagree, the network reads another day", unreadableDate("ngày 27 tháng Óế năm 2026"), nil,
			[]BlankPart{BlankDay, BlankMonth}, []ocr.DigitsReading{{Text: "2/", Ink: true, Hand: "21", HandProb: 0.998}, {Text: "06", Confidence: 96, Ink: true}}, "", 0},
		{"number read", nil, &Field{Text: "†/QĐ-UBND", Unreadable: true, Handwritten: true, Page: 1}, []BlankPart{BlankNumber},
			[]ocr.DigitsReading{{Text: "143", Confidence: 93, Ink: true}}, "143/QĐ-UBND", Deliver},
		{"number with its year", nil, &Field{Text: "9Ô/2025/NQ-HĐND", Unreadable: true, Handwritten: true, Page: 1}, []BlankPart{BlankNumber},
			[]ocr.DigitsReading{{Text: "966", Confidence: 93, Ink: true}}, "966/2025/NQ-HĐND", Deliver},
		{"number over a lost slash", nil, &Field{Text: "214Ï†TTr-TTr", Unreadable: true, Handwritten: true, Page: 1}, []BlankPart{BlankNumber},
			[]ocr.DigitsReading{{Text: "2141", Confidence: 93, Ink: true}}, "2141/TTr-TTr", Deliver},
		{"number whose stroke was read as a second slash", nil, &Field{Text: "S§//QĐ-UBND", Unreadable: true, Handwritten: true, Page: 1}, []BlankPart{BlankNumber},
			[]ocr.DigitsReading{{Text: "587", Confidence: 70, Ink: true}}, "587/QĐ-UBND", 0.7},
		{"number whose codes read a letter wrong: for review", nil, &Field{Text: "?Íẩể/TIr-UBND", Unreadable: true, Handwritten: true, Page: 1}, []BlankPart{BlankNumber},
			[]ocr.DigitsReading{{Text: "918", Confidence: 93, Ink: true}}, "918/TIr-UBND", 0.85},
		{"number whose issuer codes took the words beside them: for review", nil, &Field{Text: "/TTr-UBNPhành", Unreadable: true, Handwritten: true, Page: 1}, []BlankPart{BlankNumber},
			[]ocr.DigitsReading{{Text: "93", Confidence: 93, Ink: true}}, "93/TTr-UBNPhành", 0.85},
		{"number with a year glued to its blank: for review", nil, &Field{Text: "196Ï2025/NQ-HĐND", Unreadable: true, Handwritten: true, Page: 1}, []BlankPart{BlankNumber},
			[]ocr.DigitsReading{{Text: "1961", Confidence: 93, Ink: true}}, "1961/NQ-HĐND", 0.85},
		{"year glued behind letters of several bytes: for review", nil, &Field{Text: "19ỂỂ2025/NQ-HĐND", Unreadable: true, Handwritten: true, Page: 1}, []BlankPart{BlankNumber},
			[]ocr.DigitsReading{{Text: "19", Confidence: 93, Ink: true}}, "19/NQ-HĐND", 0.85},
		{"number starting with 0", nil, &Field{Text: "†/QĐ-UBND", Unreadable: true, Handwritten: true, Page: 1}, []BlankPart{BlankNumber},
			[]ocr.DigitsReading{{Text: "0143", Confidence: 93, Ink: true}}, "", 0},
		{"a number under 10 with its 0", nil, &Field{Text: "0}_/TTr-UBND", Unreadable: true, Handwritten: true, Page: 1}, []BlankPart{BlankNumber},
			[]ocr.DigitsReading{{Text: "09", Confidence: 93, Ink: true}}, "09/TTr-UBND", Deliver},
		{"number not confident", nil, &Field{Text: "†/QĐ-UBND", Unreadable: true, Handwritten: true, Page: 1}, []BlankPart{BlankNumber},
			[]ocr.DigitsReading{{Text: "143", Confidence: 50, Ink: true}}, "", 0},
		{"other digits than the page reading's", nil, &Field{Value: "7532/TB-UBND", Text: "7532TB-UBND", Confidence: 0.8, Page: 1}, []BlankPart{BlankNumber},
			[]ocr.DigitsReading{{Text: "1532", Confidence: 96, Ink: true}}, "1532/TB-UBND", 0.7},
	} {
		t.Run(c.name, func(t *testing.T) {
			docs := []Document{{Metadata: Metadata{Date: c.date, Number: c.number}}}
			var blanks []Blank
			for _, p := range c.blanks {
				blanks = append(blanks, Blank{Doc: 0, Page: 1, Part: p, Box: ocr.Box{X0: 10, Y0: 10, X1: 60, Y1: 60}})
			}
			before := *fieldOfDoc(docs[0])
			ApplyDigits(docs, blanks, c.readings, today)
			f := fieldOfDoc(docs[0])
			if c.want == "" {
				if f.Value != before.Value || f.Confidence != before.Confidence || f.Unreadable != before.Unreadable {
					t.Errorf("changed to %q at %.2f (unreadable %v), want it left %q at %.2f", f.Value, f.Confidence, f.Unreadable, before.Value, before.Confidence)
				}
			} else if f.Value != c.want || f.Confidence != c.wantConf || f.Unreadable || !f.Handwritten {
				t.Errorf("got %q at %.2f (unreadable %v, handwritten %v), want %q at %.2f", f.Value, f.Confidence, f.Unreadable, f.Handwritten, c.want, c.wantConf)
			}
			if docs[0].NeedsReview != (f.Unreadable || f.Confidence < Deliver) {
				t.Errorf("needs review %v with %q at %.2f", docs[0].NeedsReview, f.Value, f.Confidence)
			}
		})
	}
}

func fieldOfDoc(d Document) *Field {
	if d.Date != nil {
		return d.Date
	}
	return d.Number
}

// TestBlanks: the blanks lie between the printed words of the number and
// date lines, with room above for the pen; a field read in print and
// delivered has none.
func TestBlanks(t *testing.T) {
	w := func(text string, x0, x1 int) ocr.Word {
		return ocr.Word{Text: text, Box: ocr.Box{X0: x0, Y0: 500, X1: x1, Y1: 540}, Confidence: 90}
	}
	numberLine := ocr.Line{Words: []ocr.Word{w("Số:", 400, 470), w("ố_", 500, 540), w("/QĐ-UBND", 600, 800)}}
	dateLine := ocr.Line{Words: []ocr.Word{w("Hà", 1400, 1450), w("Nội,", 1460, 1540), w("ngày", 1560, 1660), w("tháng", 1760, 1880), w("năm", 1980, 2060), w("2025", 2080, 2180)}}
	page := ocr.Result{Width: 2480, Height: 3508, Lines: []ocr.Line{numberLine, dateLine}}
	boxes := func(ws []ocr.Word) []ocr.Box {
		var bs []ocr.Box
		for _, w := range ws {
			bs = append(bs, w.Box)
		}
		return bs
	}
	docs := []Document{
		{Metadata: Metadata{
			Number: &Field{Text: "ố_/QĐ-UBND", Unreadable: true, Handwritten: true, Page: 1, Boxes: boxes(numberLine.Words[1:])},
			Date:   &Field{Text: "ngày tháng năm 2025", Unreadable: true, Handwritten: true, Page: 1, Boxes: boxes(dateLine.Words[2:])},
		}},
		{Metadata: Metadata{
			Number: &Field{Value: "12/QĐ-UBND", Confidence: 0.95, Page: 1, Boxes: boxes(numberLine.Words[1:])},
		}},
	}
	// "ngày" and "tháng" glued to the day written between them.
	gluedLine := ocr.Line{Words: []ocr.Word{w("Huế,", 1400, 1540), w("ngày4Dtháng", 1560, 1980), w("01", 2000, 2040), w("năm", 2060, 2140), w("2025", 2160, 2260)}}
	glued := ocr.Result{Width: 2480, Height: 3508, Lines: []ocr.Line{gluedLine}}
	if got := Blanks([]ocr.Result{glued}, []Document{{Metadata: Metadata{
		Date: &Field{Text: "ngày4Dtháng 01 năm 2025", Unreadable: true, Page: 1, Boxes: boxes(gluedLine.Words[1:])},
	}}}); len(got) != 1 || got[0].Part != BlankDay || got[0].Box != (ocr.Box{X0: 1655, Y0: 460, X1: 1867, Y1: 560}) {
		// "ngày" ends at 1.135 times "năm" (90 px), not at 4/11 of the
		// word (152 px); "tháng" starts 1.35 times "năm" (108 px) before
		// its end.
		t.Errorf("glued blanks %+v", got)
	}
	// The same in a wide face (the Quảng Ngãi scans: "ngày" 2.8 heights
	// of the date's words wide, "năm" 94 px): the day's blank starts
	// after the whole of "ngày", whose "y" read as a digit otherwise,
	// however many heights that is.
	wideLine := ocr.Line{Words: []ocr.Word{w("ngày{Ệ", 1560, 1740), w("tháng", 1760, 1888), w("01", 1900, 1946), w("năm", 1966, 2060), w("2025", 2080, 2186)}}
	if got := Blanks([]ocr.Result{{Width: 2480, Height: 3508, Lines: []ocr.Line{wideLine}}}, []Document{{Metadata: Metadata{
		Date: &Field{Text: "ngày{Ệ tháng 01 năm 2025", Unreadable: true, Page: 1, Boxes: boxes(wideLine.Words)},
	}}}); len(got) != 1 || got[0].Box != (ocr.Box{X0: 1671, Y0: 460, X1: 1755, Y1: 560}) {
		t.Errorf("blank in a wide face %+v", got)
	}
	// Without "năm" or "tháng" read alone there is no ruler: "ngày" ends
	// at 1.8 line heights (72 px), "tháng" starts 2 heights (80 px)
	// before its word's end.
	noRuler := ocr.Line{Words: []ocr.Word{w("ngày4Dtháng", 1560, 1980), w("01năm2025", 2000, 2200)}}
	if got := Blanks([]ocr.Result{{Width: 2480, Height: 3508, Lines: []ocr.Line{noRuler}}}, []Document{{Metadata: Metadata{
		Date: &Field{Text: "ngày4Dtháng 01năm2025", Unreadable: true, Page: 1, Boxes: boxes(noRuler.Words)},
	}}}); len(got) != 1 || got[0].Box != (ocr.Box{X0: 1637, Y0: 460, X1: 1895, Y1: 560}) {
		t.Errorf("blank without a ruler %+v", got)
	}
	// The month written against "năm".
	monthLine := ocr.Line{Words: []ocr.Word{w("ngày", 1560, 1660), w("tháng", 1760, 1880), w("TÔnăm", 1900, 2100), w("2025", 2120, 2220)}}
	if got := Blanks([]ocr.Result{{Width: 2480, Height: 3508, Lines: []ocr.Line{monthLine}}}, []Document{{Metadata: Metadata{
		Date: &Field{Text: "ngày tháng TÔnăm 2025", Unreadable: true, Page: 1, Boxes: boxes(monthLine.Words)},
	}}}); len(got) != 2 || got[1].Part != BlankMonth || got[1].Box != (ocr.Box{X0: 1885, Y0: 460, X1: 2007, Y1: 560}) {
		// "năm" starts 88 px (its width in "tháng"s: 120/1.35) before the
		// word's end.
		t.Errorf("blanks with the month against năm %+v", got)
	}
	// The month read as digits, unsure: read again.
	unsureMonth := ocr.Line{Words: []ocr.Word{w("ngày", 1560, 1660), w("6É", 1680, 1700), w("tháng", 1760, 1880), w("3", 1910, 1934), w("năm", 1980, 2060), w("2025", 2080, 2180)}}
	unsureMonth.Words[1].Confidence, unsureMonth.Words[3].Confidence = 58, 64
	if got := Blanks([]ocr.Result{{Width: 2480, Height: 3508, Lines: []ocr.Line{unsureMonth}}}, []Document{{Metadata: Metadata{
		Date: &Field{Value: "2025-03-06", Text: "ngày 6É tháng 3 năm 2025", Confidence: 0.4, Handwritten: true, Page: 1, Boxes: boxes(unsureMonth.Words)},
	}}}); len(got) != 2 || got[1].Part != BlankMonth {
		t.Errorf("blanks of a month read unsure %+v", got)
	}
	unsureMonth.Words[3].Confidence = 96
	if got := Blanks([]ocr.Result{{Width: 2480, Height: 3508, Lines: []ocr.Line{unsureMonth}}}, []Document{{Metadata: Metadata{
		Date: &Field{Value: "2025-03-06", Text: "ngày 6É tháng 3 năm 2025", Confidence: 0.4, Handwritten: true, Page: 1, Boxes: boxes(unsureMonth.Words)},
	}}}); len(got) != 1 {
		t.Errorf("blanks of a month read sure %+v", got)
	}
	// "năm" read whole but holding the month written against it: wider
	// than "tháng" (104 px) makes it (77 px).
	wideYear := ocr.Line{Words: []ocr.Word{w("ngày", 991, 1075), w("#_", 1095, 1115), w("tháng", 1164, 1268), w("năm", 1288, 1416), w("2025", 1427, 1513)}}
	if got := Blanks([]ocr.Result{{Width: 2480, Height: 3508, Lines: []ocr.Line{wideYear}}}, []Document{{Metadata: Metadata{
		Date: &Field{Text: "ngày #_ tháng năm 2025", Unreadable: true, Handwritten: true, Page: 1, Boxes: boxes(wideYear.Words)},
	}}}); len(got) != 2 || got[1].Part != BlankMonth || got[1].Box.X0 != 1273 || got[1].Box.X1 != 1334 {
		t.Errorf("blanks with the month inside năm's box %+v", got)
	}
	// The month against "năm", whose n then reads h.
	hLine := ocr.Line{Words: []ocr.Word{w("ngày", 1118, 1191), w("3_", 1206, 1233), w("tháng", 1266, 1351), w("(0hăm", 1371, 1478), w("2025", 1489, 1561)}}
	if got := Blanks([]ocr.Result{{Width: 2480, Height: 3508, Lines: []ocr.Line{hLine}}}, []Document{{Metadata: Metadata{
		Date: &Field{Text: "ngày 3_ tháng (0hăm 2025", Unreadable: true, Handwritten: true, Page: 1, Boxes: boxes(hLine.Words)},
	}}}); len(got) != 2 || got[1].Part != BlankMonth || got[1].Box.X0 != 1356 || got[1].Box.X1 != 1411 {
		t.Errorf("blanks with the month against a năm read hăm %+v", got)
	}
	// Digits read unsure beside codes read unsure too: the page reading
	// does not call them handwritten, but they are read again.
	unsure := ocr.Line{Words: []ocr.Word{w("Số:", 400, 470), w("88", 500, 560), w("/QĐÐ-UBND", 620, 880)}}
	unsure.Words[1].Confidence, unsure.Words[2].Confidence = 53, 65
	unsureNumber := func(conf float64) []Document {
		return []Document{{Metadata: Metadata{
			Number: &Field{Value: "88/QĐ-UBND", Text: "88/QĐÐ-UBND", Confidence: conf, Page: 1, Boxes: boxes(unsure.Words[1:])},
		}}}
	}
	unsurePage := []ocr.Result{{Width: 2480, Height: 3508, Lines: []ocr.Line{unsure}}}
	if got := Blanks(unsurePage, unsureNumber(0.34)); len(got) != 1 || got[0].Part != BlankNumber || got[0].Box != (ocr.Box{X0: 475, Y0: 460, X1: 615, Y1: 560}) {
		t.Errorf("blanks of a number read unsure %+v", got)
	}
	if got := Blanks(unsurePage, unsureNumber(Deliver)); len(got) != 0 {
		t.Errorf("blanks of a number delivered %+v", got)
	}
	got := Blanks([]ocr.Result{page}, docs)
	want := []Blank{
		{Doc: 0, Page: 1, Part: BlankDay, Box: ocr.Box{X0: 1665, Y0: 460, X1: 1755, Y1: 560}},
		{Doc: 0, Page: 1, Part: BlankMonth, Box: ocr.Box{X0: 1885, Y0: 460, X1: 1975, Y1: 560}},
		{Doc: 0, Page: 1, Part: BlankNumber, Box: ocr.Box{X0: 475, Y0: 460, X1: 595, Y1: 560}},
	}
	if len(got) != len(want) {
		t.Fatalf("blanks %+v, want %+v", got, want)
	}
	for i, most := range []int{31, 12, 0} { // a day's range, a month's, none for a number
		if got[i] != want[i] {
			t.Errorf("blank %d = %+v, want %+v", i, got[i], want[i])
		}
		if got[i].Most() != most {
			t.Errorf("blank %d (%s) holds at most %d, want %d", i, got[i].Part, got[i].Most(), most)
		}
	}
}
