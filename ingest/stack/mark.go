package stack

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// SeparatorPrefix starts the payload of a separator sheet's QR code. The
// version number lets a later sheet carry more without old readers taking
// it for something else; the prefix cannot be mistaken for a dossier code,
// a URL or the text of a receipt's QR.
const SeparatorPrefix = "SOHOA-SEP:1:"

// SeparatorPayload is what the separator sheet of dossier code encodes.
func SeparatorPayload(code string) string { return SeparatorPrefix + code }

// Kind is what a page's symbol makes of the page.
type Kind int

const (
	// None: no symbol sohoa knows (a page of the dossier, or a symbol
	// carrying something else such as a URL).
	None Kind = iota
	// Separator: a sheet sohoa printed; it starts a dossier and is dropped.
	Separator
	// Receipt: the dossier's receipt, whose symbol holds the bare code; it
	// starts its dossier (unless the separator just before named the same
	// one) and is kept.
	Receipt
	// Unreadable: a symbol was found but could not be decoded, or a
	// separator's code is not a valid dossier code. The pages from here to
	// the next good mark go to an exception: they might be anyone's.
	Unreadable
)

func (k Kind) String() string {
	switch k {
	case Separator:
		return "separator"
	case Receipt:
		return "receipt"
	case Unreadable:
		return "unreadable"
	}
	return "none"
}

// Mark is what the symbols of one page say.
type Mark struct {
	Kind Kind
	Code string // the dossier code, for Separator and Receipt
	// Detail says why a page is Unreadable (for the exception's reason).
	Detail string
}

// MarkOf classifies the decoded text of one symbol. A separator's payload
// must hold a valid dossier code, else the sheet is Unreadable (a sheet
// printed for a mistyped code must not start a dossier under it); any
// other text is a Receipt when it is a valid dossier code alone (spaces
// around it allowed), and None otherwise.
func MarkOf(text string) Mark {
	if rest, ok := strings.CutPrefix(text, SeparatorPrefix); ok {
		if _, err := dossier.ParseCode(rest); err != nil {
			return Mark{Kind: Unreadable, Detail: "separator: " + err.Error()}
		}
		return Mark{Kind: Separator, Code: rest}
	}
	if strings.HasPrefix(text, "SOHOA-SEP:") {
		return Mark{Kind: Unreadable, Detail: fmt.Sprintf("separator of an unknown version: %.40q", text)}
	}
	code := strings.TrimSpace(text)
	if _, err := dossier.ParseCode(code); err == nil {
		return Mark{Kind: Receipt, Code: code}
	}
	return Mark{}
}

// markOfSymbols merges the marks of every symbol on one page: a separator
// wins over a receipt, and two different codes on one page are Unreadable
// (which one starts the dossier would be a guess).
func markOfSymbols(texts []string) Mark {
	var best Mark
	for _, t := range texts {
		m := MarkOf(t)
		switch {
		case m.Kind == None:
		case m.Kind == Unreadable:
			if best.Kind == None {
				best = m
			}
		case best.Kind == None || best.Kind == Unreadable:
			best = m
		case best.Code != m.Code:
			return Mark{Kind: Unreadable, Detail: fmt.Sprintf("two dossier codes on one page: %s and %s", best.Code, m.Code)}
		case m.Kind == Separator:
			best = m
		}
	}
	return best
}

// reCodeLine finds "Mã hồ sơ: CODE" in OCR text. OCR may drop marks
// ("Ma ho so"), change the colon, or put spaces around the code's dots and
// dashes; the candidate is cleaned of those spaces and then must pass
// dossier.ParseCode.
var reCodeLine = regexp.MustCompile(`(?i)m[aãâáàạả]\s*h[oồôóòọỏốổ]\s*s[oơớờởỡợ]\s*[:;.,]?\s*([0-9A-Za-z][0-9A-Za-z .\-–]{10,60})`)

var reSpacedPunct = regexp.MustCompile(`\s*([.\-])\s*`)

// Proposal is a dossier code read from a receipt's OCR text: proposed to
// the operator, never applied without them.
type Proposal struct {
	Code string `json:"code"`
	Line string `json:"line"` // the text it was read from, as OCR gave it
}

// ProposeCode reads "Mã hồ sơ: …" in text (a receipt's OCR), and returns
// the codes that pass both official formats with a reception date that is
// real and not after now (a date in the future is a misread digit). Codes
// are returned once each, in the order they appear.
func ProposeCode(text string, now time.Time) []Proposal {
	var out []Proposal
	seen := map[string]bool{}
	for _, m := range reCodeLine.FindAllStringSubmatch(text, -1) {
		for _, cand := range candidates(m[1]) {
			c, err := dossier.ParseCode(cand)
			if err != nil || c.Received.After(now) || seen[cand] {
				continue
			}
			seen[cand] = true
			out = append(out, Proposal{Code: cand, Line: strings.TrimSpace(m[0])})
			break
		}
	}
	return out
}

// candidates turns the text after "Mã hồ sơ:" into codes to try: spaces
// around '.' and '-' removed (OCR puts them there), an en dash read as '-',
// and cut at each later space, longest first (the code may be followed by
// more words on the line).
func candidates(s string) []string {
	s = strings.ReplaceAll(s, "–", "-")
	s = reSpacedPunct.ReplaceAllString(s, "$1")
	s = strings.TrimSpace(s)
	fields := strings.Fields(s)
	var out []string
	for i := len(fields); i >= 1; i-- {
		out = append(out, strings.Join(fields[:i], ""))
	}
	for i := len(fields); i >= 1; i-- {
		out = append(out, strings.TrimRight(fields[i-1], ".-"))
	}
	return out
}
