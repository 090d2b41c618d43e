package index

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, str, fts, ts string
	}{
		{`Nguyễn Văn`, `nguyen van`, `("nguyen") AND ("van")`, `('nguyen' & 'van')`},
		{`"Thủy Tiên"`, `"thuy tien"`, `"thuy" + "tien"`, `'~thuy tien'`},
		{`chứng nh*`, `chung nh*`, `("chung") AND ("nh"*)`, `('chung' & 'nh':*)`},
		{`"chứng nh"*`, `"chung nh"*`, `"chung" + "nh"*`, `('chung' <-> 'nh':*)`},
		{`hà OR hn`, `ha OR hn`, `("ha") OR ("hn")`, `('ha' | 'hn')`},
		{`đất -phạt`, `dat -phat`, `(("dat")) NOT (("phat"))`, `('dat' & !'phat')`},
		{`a b OR c`, `a (b OR c)`, `("a") AND (("b") OR ("c"))`, `('a' & ('b' | 'c'))`},
		{`(a b) OR c`, `(a b) OR c`, `(("a") AND ("b")) OR ("c")`, `(('a' & 'b') | 'c')`},
		{`000.00.31.H33-220804-0001`, `"000 00 31 h33 220804 0001"`, `(codes : "0000031h332208040001" OR "000" + "00" + "31" + "h33" + "220804" + "0001")`,
			`('#0000031h332208040001' | ('~000 00' & '~00 31' & '~31 h33' & '~h33 220804' & '~220804 0001' & ('000' <-> '00' <-> '31' <-> 'h33' <-> '220804' <-> '0001')))`},
		{`45/2020/NĐ-CP`, `"45 2020 nd cp"`, `(codes : "452020ndcp" OR "45" + "2020" + "nd" + "cp")`,
			`('#452020ndcp' | ('~45 2020' & '~2020 nd' & '~nd cp' & ('45' <-> '2020' <-> 'nd' <-> 'cp')))`},
		{`"45/2020"`, `"45 2020"`, `"45" + "2020"`, `'~45 2020'`},
		{`or and not`, `or and not`, `("or") AND ("and") AND ("not")`, `('or' & 'and' & 'not')`},
		{`x -"giấy tờ" -y`, `x -"giay to" -y`, `(("x")) NOT (("giay" + "to") OR ("y"))`, `('x' & !'~giay to' & !'y')`},
		{`“Lê Lợi”`, `"le loi"`, `"le" + "loi"`, `'~le loi'`},
		{`  `, ``, ``, ``},
		{`... ,`, ``, ``, ``},
		{`OR a`, `a`, `"a"`, `'a'`},
		{`a OR`, `a`, `"a"`, `'a'`},
		{`a)`, `a`, `"a"`, `'a'`},
		{`(a`, `a`, `"a"`, `'a'`},
	} {
		n, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := String(n); got != tc.str {
			t.Errorf("Parse(%q) = %s, want %s", tc.in, got, tc.str)
		}
		// Every phrase looks in the body and title columns.
		if got := strings.ReplaceAll(fts5(n), ftsText, ""); got != tc.fts {
			t.Errorf("fts5(%q) = %s, want %s", tc.in, got, tc.fts)
		}
		if got := tsquery(n); got != tc.ts {
			t.Errorf("tsquery(%q) = %s, want %s", tc.in, got, tc.ts)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{`-a`, `-a -b`, `a OR -b`, `-"x y"`} {
		if _, err := Parse(in); !errors.Is(err, ErrQuery) {
			t.Errorf("Parse(%q) err = %v, want ErrQuery", in, err)
		}
	}
}

func TestSnippet(t *testing.T) {
	text := "ỦY BAN NHÂN DÂN\nGiấy chứng nhận cấp cho bà Nguyễn Thị Thủy Tiên, đường Lê Lợi <số 5> & ngõ 3."
	for _, tc := range []struct{ q, want string }{
		{`nguyen thi thuy tien`, `… nhận cấp cho bà <mark>Nguyễn Thị Thủy Tiên</mark>, đường Lê Lợi &lt;số 5&gt; &amp; ngõ 3.`},
		{`"le loi"`, `… Thị Thủy Tiên, đường <mark>Lê Lợi</mark> &lt;số 5&gt; &amp; ngõ 3.`},
		{`duong`, `… Nguyễn Thị Thủy Tiên, <mark>đường</mark> Lê Lợi &lt;số 5&gt; &amp; ngõ 3.`},
		{`chứng nh*`, `ỦY BAN <mark>NHÂN</mark> DÂN Giấy <mark>chứng nhận</mark> cấp cho bà Nguyễn Thị Thủy Tiên, đường Lê Lợi &lt;số 5&gt; &amp; ngõ 3.`},
		{`uy -tien`, `<mark>ỦY</mark> BAN NHÂN DÂN Giấy chứng nhận cấp cho bà Nguyễn Thị Thủy Tiên, đường Lê Lợi &lt;số 5&gt; &amp; ngõ 3.`},
		{``, `ỦY BAN NHÂN DÂN Giấy chứng nhận cấp cho bà Nguyễn Thị Thủy Tiên, đường Lê Lợi &lt;số 5&gt; &amp; ngõ 3.`},
	} {
		n, err := Parse(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := Snippet(text, n); got != tc.want {
			t.Errorf("Snippet(%q)\n got %s\nwant %s", tc.q, got, tc.want)
		}
	}
}

func TestTsvectorText(t *testing.T) {
	got := tsvectorText(newPageDoc(PageText{Text: "Nguyễn thi nguyen thi lan", Title: "Hộ", ResultCode: "X-1"}))
	want := `'nguyen':1,3 '~nguyen thi':1,3 'thi':2,4 '~thi nguyen':2 '~thi lan':4 'lan':5 'ho':7A '=nguyễn' '=hộ' '#x1'`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestNearForms(t *testing.T) {
	for _, tc := range []struct {
		word      string
		near, not []string
	}{
		// OCR's usual misreadings are one mark away: another tone, another
		// shape, d for đ.
		{"dần", []string{"dân", "dẫn", "dận", "dấn", "dẩn", "dằn", "đần"}, []string{"dần", "dan", "đân", "dẵn"}},
		{"kiên", []string{"kiến", "kiện", "kiền", "kiễn", "kiển"}, []string{"kien", "kiên", "kiẹn"}},
		{"đốc", []string{"độc", "đồc", "đôc", "đóc", "dốc"}, []string{"đọc", "doc", "độ"}},
		{"cửa", []string{"của", "cưa", "cứa", "cừa"}, []string{"cua", "cuả"}},
		{"hộ", []string{"họ", "hồ", "hố", "hổ", "hỗ", "hô"}, []string{"ho", "hơ"}},
	} {
		got := nearForms(tc.word)
		for _, w := range tc.near {
			if !slices.Contains(got, w) {
				t.Errorf("nearForms(%s) lacks %s: %v", tc.word, w, got)
			}
		}
		for _, w := range tc.not {
			if slices.Contains(got, w) {
				t.Errorf("nearForms(%s) holds %s: %v", tc.word, w, got)
			}
		}
	}
}

func TestWordForms(t *testing.T) {
	words, exact := wordForms("ĐÔN ĐỐC Giam đốc, KIEN Giang 45/2020/NĐ-CP")
	if want := []string{"don", "doc", "giam", "doc", "kien", "giang", "45", "2020", "nd", "cp"}; !slices.Equal(words, want) {
		t.Errorf("words %q, want %q", words, want)
	}
	if want := []string{"đôn", "đốc", "", "đốc", "", "", "", "", "nđ", ""}; !slices.Equal(exact, want) {
		t.Errorf("exact %q, want %q", exact, want)
	}
	if got, want := codeTokens("Số: 143/UBND-KGVX ngày 5.000.000 đồng 2020 (45/2020/NĐ-CP)"), []string{"143ubndkgvx", "5000000", "452020ndcp"}; !slices.Equal(got, want) {
		t.Errorf("codeTokens %q, want %q", got, want)
	}
}

func TestLevels(t *testing.T) {
	for _, tc := range []struct {
		q      string
		levels int
		runs   int
		exact  []string
		codes  []string
	}{
		{`kien giang`, 2, 1, nil, nil},
		{`Kiên Giang`, 6, 1, []string{"kiên"}, nil},
		{`"Kiên Giang"`, 3, 0, []string{"kiên"}, nil},
		{`143/UBND-KGVX`, 2, 0, nil, []string{"143ubndkgvx"}},
		{`nguyễn OR trần`, 1, 0, nil, nil},
		{`chứng nh* giấy`, 3, 0, []string{"chứng", "giấy"}, nil},
	} {
		n, err := Parse(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		s := analyze(n)
		if len(s.levels()) != tc.levels || len(s.runs) != tc.runs || !slices.Equal(s.exact, tc.exact) || !slices.Equal(s.codes, tc.codes) {
			t.Errorf("%s: %d levels, runs %v, exact %q, codes %q", tc.q, len(s.levels()), s.runs, s.exact, s.codes)
		}
	}
}
