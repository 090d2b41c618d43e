package stack

import (
	"fmt"
	"strings"
	"testing"
)

// stackOf writes a stack in one letter per page: S/T separators of codes A
// and B, a/b receipts of A and B, x an unreadable symbol, _ a blank page,
// . an ordinary page.
func stackOf(s string) []PageMark {
	const a, b = "000.00.31.H33-261127-0001", "000.00.31.H33-261127-0002"
	var out []PageMark
	for _, c := range s {
		var p PageMark
		switch c {
		case 'S':
			p.Mark = Mark{Kind: Separator, Code: a}
		case 'T':
			p.Mark = Mark{Kind: Separator, Code: b}
		case 'a':
			p.Mark = Mark{Kind: Receipt, Code: a}
		case 'b':
			p.Mark = Mark{Kind: Receipt, Code: b}
		case 'x':
			p.Mark = Mark{Kind: Unreadable, Detail: "checksum"}
		case '_':
			p.Blank = true
		}
		out = append(out, p)
	}
	return out
}

// show writes a plan back: A[1 2] is dossier A with pages 1 and 2
// (1-based), ?[3] an exception, -[4] dropped pages.
func show(p Plan) string {
	var parts []string
	for _, g := range p.Dossiers {
		parts = append(parts, fmt.Sprintf("%c%v", g.Code[len(g.Code)-1]-'1'+'A', oneBased(g.Pages)))
	}
	for _, g := range p.Exceptions {
		parts = append(parts, fmt.Sprintf("?%v", oneBased(g.Pages)))
	}
	if len(p.Dropped) > 0 {
		parts = append(parts, fmt.Sprintf("-%v", oneBased(p.Dropped)))
	}
	return strings.Join(parts, " ")
}

func oneBased(xs []int) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = x + 1
	}
	return out
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		stack   string
		onBlank bool
		want    string
	}{
		{"S..T..", false, "A[2 3] B[5 6] -[1 4]"},
		{"Sa.Tb.", false, "A[2 3] B[5 6] -[1 4]"},                // receipt after its own separator stays in it
		{"a..b.", false, "A[1 2 3] B[4 5]"},                      // receipts alone split too
		{"S..b.", false, "A[2 3] B[4 5] -[1]"},                   // a receipt of another dossier starts it (no separator for it)
		{"..S.", false, "A[4] ?[1 2] -[3]"},                      // no mark on the first pages: exception, nothing guessed
		{"S.x..T.", false, "A[2] B[7] ?[3 4 5] -[1 6]"},          // unreadable symbol: its run is an exception
		{"S..TT.", false, "A[2 3] B[6] -[1 4 5]"},                // a separator printed twice
		{"S.._a.._b.", true, "A[2 3] A[5 6 7] B[9 10] -[1 4 8]"}, // blanks: the receipt after one names its pages (a second document of A)
		{"S.._..", true, "A[2 3] ?[5 6] -[1 4]"},                 // after a blank, no code: exception
		{"S.._..", false, "A[2 3 4 5 6] -[1]"},                   // blanks kept as pages unless asked
		{"", false, ""},
		{"SS", false, "-[1 2]"},
	} {
		t.Run(tc.stack, func(t *testing.T) {
			if got := show(Split(stackOf(tc.stack), tc.onBlank)); got != tc.want {
				t.Errorf("Split(%q, blank=%v) = %q, want %q", tc.stack, tc.onBlank, got, tc.want)
			}
		})
	}
}
