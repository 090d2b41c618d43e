package stack

import "fmt"

// PageMark is what the split knows of one page of a stack.
type PageMark struct {
	Mark  Mark
	Blank bool // nothing on the page (only asked for when splitting on blanks)
}

// Group is one run of a stack's pages: a dossier when Code is set, an
// exception otherwise.
type Group struct {
	Code  string
	By    Kind  // what started it: Separator, Receipt, or None (a blank page, or no mark at all)
	Pages []int // 0-based positions in the stack, in order
	// ReasonVI and ReasonEN say why an exception has no code.
	ReasonVI, ReasonEN string
}

// Plan is how a stack splits.
type Plan struct {
	Dossiers   []Group
	Exceptions []Group
	// Dropped are the separator sheets and, when splitting on blanks, the
	// blank pages between dossiers: not part of any result.
	Dropped []int
}

// Split cuts a stack at its marks. A separator starts a dossier and is
// dropped; a receipt starts its dossier and is kept, unless the dossier
// open at that point is its own (the separator before it, or a receipt
// met earlier); with onBlank, a blank page ends the open dossier and the
// pages after it wait for a receipt to say whose they are. Pages no mark
// claims (at the start of the stack, after a blank, after an unreadable
// symbol) become exceptions, each run of them one exception: nothing is
// dropped and no code is guessed.
func Split(pages []PageMark, onBlank bool) Plan {
	var p Plan
	var cur *Group
	flush := func() {
		if cur != nil && len(cur.Pages) > 0 {
			if cur.Code != "" {
				p.Dossiers = append(p.Dossiers, *cur)
			} else {
				p.Exceptions = append(p.Exceptions, *cur)
			}
		}
		cur = nil
	}
	for i, pg := range pages {
		m := pg.Mark
		switch {
		case m.Kind == Separator:
			flush()
			cur = &Group{Code: m.Code, By: Separator}
			p.Dropped = append(p.Dropped, i)
		case m.Kind == Receipt:
			switch {
			case cur != nil && cur.Code == m.Code:
			case cur != nil && cur.Code == "" && cur.By == None && len(cur.Pages) == 0 && cur.ReasonEN == "":
				// The first page after a blank: the receipt names it.
				cur.Code, cur.By = m.Code, Receipt
			default:
				flush()
				cur = &Group{Code: m.Code, By: Receipt}
			}
			cur.Pages = append(cur.Pages, i)
		case m.Kind == Unreadable:
			flush()
			cur = &Group{By: Unreadable,
				ReasonVI: fmt.Sprintf("trang %d có mã QR hoặc mã vạch không đọc được (%s): các trang từ đó đến dấu hiệu kế tiếp chưa biết thuộc hồ sơ nào", i+1, m.Detail),
				ReasonEN: fmt.Sprintf("page %d has a QR code or barcode that cannot be read (%s): the pages from there to the next mark belong to no known dossier", i+1, m.Detail)}
			cur.Pages = append(cur.Pages, i)
		case onBlank && pg.Blank:
			flush()
			cur = &Group{By: None}
			p.Dropped = append(p.Dropped, i)
		default:
			if cur == nil {
				cur = &Group{By: None}
			}
			if cur.Code == "" && cur.ReasonEN == "" {
				if len(p.Dossiers)+len(p.Exceptions) == 0 && cur.By == None && !anyBlankBefore(pages, i, onBlank) {
					cur.ReasonVI = fmt.Sprintf("trang %d: xấp không bắt đầu bằng tờ phân cách hay giấy tiếp nhận có mã hồ sơ", i+1)
					cur.ReasonEN = fmt.Sprintf("page %d: the stack does not start with a separator sheet or a receipt carrying the dossier code", i+1)
				} else {
					cur.ReasonVI = fmt.Sprintf("trang %d: sau trang trắng không có tờ phân cách hay giấy tiếp nhận có mã hồ sơ", i+1)
					cur.ReasonEN = fmt.Sprintf("page %d: after a blank page there is no separator sheet or receipt carrying the dossier code", i+1)
				}
			}
			cur.Pages = append(cur.Pages, i)
		}
	}
	flush()
	return p
}

func anyBlankBefore(pages []PageMark, i int, onBlank bool) bool {
	if !onBlank {
		return false
	}
	for _, p := range pages[:i] {
		if p.Blank {
			return true
		}
	}
	return false
}
