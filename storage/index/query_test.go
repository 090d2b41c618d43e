package index

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, str, fts, ts string
	}{
		{`Nguyễn Văn`, `nguyen van`, `("nguyen") AND ("van")`, `('nguyen' & 'van')`},
		{`"Thủy Tiên"`, `"thuy tien"`, `"thuy" + "tien"`, `('~thuy tien' & ('thuy' <-> 'tien'))`},
		{`chứng nh*`, `chung nh*`, `("chung") AND ("nh"*)`, `('chung' & 'nh':*)`},
		{`"chứng nh"*`, `"chung nh"*`, `"chung" + "nh"*`, `('chung' <-> 'nh':*)`},
		{`hà OR hn`, `ha OR hn`, `("ha") OR ("hn")`, `('ha' | 'hn')`},
		{`đất -phạt`, `dat -phat`, `(("dat")) NOT (("phat"))`, `('dat' & !'phat')`},
		{`a b OR c`, `a (b OR c)`, `("a") AND (("b") OR ("c"))`, `('a' & ('b' | 'c'))`},
		{`(a b) OR c`, `(a b) OR c`, `(("a") AND ("b")) OR ("c")`, `(('a' & 'b') | 'c')`},
		{`000.00.31.H33-220804-0001`, `"000 00 31 h33 220804 0001"`, `"000" + "00" + "31" + "h33" + "220804" + "0001"`,
			`('~000 00' & '~00 31' & '~31 h33' & '~h33 220804' & '~220804 0001' & ('000' <-> '00' <-> '31' <-> 'h33' <-> '220804' <-> '0001'))`},
		{`or and not`, `or and not`, `("or") AND ("and") AND ("not")`, `('or' & 'and' & 'not')`},
		{`x -"giấy tờ" -y`, `x -"giay to" -y`, `(("x")) NOT (("giay" + "to") OR ("y"))`, `('x' & !('~giay to' & ('giay' <-> 'to')) & !'y')`},
		{`“Lê Lợi”`, `"le loi"`, `"le" + "loi"`, `('~le loi' & ('le' <-> 'loi'))`},
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
		if got := fts5(n); got != tc.fts {
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
	got := tsvectorText([]string{"nguyen", "thi", "nguyen", "thi", "lan"})
	want := `'nguyen':1,3 '~nguyen thi':1,3 'thi':2,4 '~thi nguyen':2 '~thi lan':4 'lan':5`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
