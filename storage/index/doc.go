package index

// pageDoc is what both engines index of a page, besides its text: the
// folded words of the body (words), the exact forms of its marked words
// and of the title's (exact), the folded words of the title and document
// type (title), and its codes: dossier code, result code and the
// code-like tokens of the text (codes).
type pageDoc struct {
	words, exact, title, codes []string
	bodyExact, titleExact      []string // per word of words / title, "" when unmarked
}

func newPageDoc(p PageText) pageDoc {
	var d pageDoc
	var codes []string
	d.words, d.bodyExact, codes = pageForms(p.Text)
	d.title, d.titleExact = wordForms(p.Title + " " + p.DocumentType)
	seen := map[string]bool{}
	for _, e := range append(d.bodyExact, d.titleExact...) {
		if e != "" && !seen[e] {
			seen[e] = true
			d.exact = append(d.exact, e)
		}
	}
	for _, c := range append([]string{codeToken(p.DossierCode), codeToken(p.ResultCode)}, codes...) {
		if c != "" && !seen["#"+c] {
			seen["#"+c] = true
			d.codes = append(d.codes, c)
		}
	}
	return d
}
