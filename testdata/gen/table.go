package main

// Pages with ruled tables as desks see them: lists of applicants, fee
// tables, the dossier control form. A header row (sometimes two, with
// merged cells), 3-8 columns, wrapped cell text, Vietnamese text and
// numbers; full grids, or without the outer left and right borders; on
// copies and faxes the rules are broken where the toner or the line
// dropped out. The truth text is in reading order: row by row, cells left
// to right, a cell's wrapped lines together (a cell spanning rows is read
// with its top row); "table_rows" holds each row's text for the
// reading-order score.

import (
	"fmt"
	"image"
	"image/draw"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"golang.org/x/image/font"
)

// tableVariants in the order the table preset cycles through them: the
// same kind of page as a clean scan, a photocopy, a fax, a copy shrunk
// for e-mail and a phone photo.
var tableVariants = []string{"clean", "copy", "fax", "lowres", "photo"}

// tableSpec is page i of the table preset.
func tableSpec(r *rand.Rand, i int) pageSpec {
	v := tableVariants[i%len(tableVariants)]
	sp := pageSpec{Kind: "bang", DPI: 300, Mode: pick(r, "color", "gray"), NewCode: r.IntN(2) == 0}
	deskVariant(r, &sp, v)
	sp.Category = "table"
	if sp.Copy {
		// Copies are laid on the glass a little crooked.
		sp.Skew = math.Round((r.Float64()*4-2)*100) / 100
	}
	sp.Name = fmt.Sprintf("t%04d-%s", i+1, v)
	return sp
}

// tableCell is one cell of a generated table and the grid cells it covers.
type tableCell struct {
	Text             string
	Row, Col         int
	RowSpan, ColSpan int
	Header           bool // bold, centred horizontally and vertically
	Align            int  // body cells: 0 left, 1 centre, 2 right
}

// table is a ruled table: relative column widths, the grid's row count,
// its cells (every grid cell covered exactly once) and which outer
// borders are drawn.
type table struct {
	Cols   []float64
	Rows   int
	Cells  []tableCell
	Head   int  // header rows
	OuterV bool // left and right borders
}

// add appends a body row of one-cell-per-column texts.
func (t *table) add(align []int, texts ...string) {
	for c, s := range texts {
		t.Cells = append(t.Cells, tableCell{Text: s, Row: t.Rows, Col: c, RowSpan: 1, ColSpan: 1, Align: align[c]})
	}
	t.Rows++
}

// header appends header cells; rows is how many grid rows the header takes.
func (t *table) header(rows int, cells ...tableCell) {
	for _, c := range cells {
		c.Header = true
		c.Row += t.Rows
		t.Cells = append(t.Cells, c)
	}
	t.Rows += rows
	t.Head = t.Rows
}

func hc(text string, row, col, rowSpan, colSpan int) tableCell {
	return tableCell{Text: text, Row: row, Col: col, RowSpan: rowSpan, ColSpan: colSpan}
}

// tablePage is the content of a table page: blocks before the table, the
// table and blocks after it.
func (g textGen) tablePage(d dossier, officer string) (before []block, t table, after []block) {
	switch g.r.IntN(3) {
	case 0:
		return g.applicantList(d, officer)
	case 1:
		return g.feeTable(d)
	default:
		return g.controlForm(d, officer)
	}
}

// applicantList is the desk's list of dossiers received on a day.
func (g textGen) applicantList(d dossier, officer string) (before []block, t table, after []block) {
	before = []block{
		{Style: stCenterBold, Label: upper(d.Agency)},
		{Style: stCenterBold, Label: "BỘ PHẬN MỘT CỬA"},
		{Style: stTitle, Label: "DANH SÁCH HỒ SƠ TIẾP NHẬN"},
		{Style: stCenter, Label: "Ngày " + d.Received.slash()},
		{Style: stGap},
	}
	cols := []string{"STT", "Họ và tên", "Ngày sinh", "Số định danh cá nhân", "Địa chỉ", "Thủ tục", "Ghi chú"}
	widths := []float64{0.6, 2.2, 1.5, 2.1, 3.2, 2.6, 1.2}
	keep := 3 + g.r.IntN(5) // 3-7 of the columns, always STT and the name
	drop := []int{}
	for len(cols)-len(drop) > keep {
		c := 2 + g.r.IntN(len(cols)-2)
		if !slices.Contains(drop, c) {
			drop = append(drop, c)
		}
	}
	var hdr []tableCell
	var use []int
	for c := range cols {
		if slices.Contains(drop, c) {
			continue
		}
		hdr = append(hdr, hc(cols[c], 0, len(use), 1, 1))
		t.Cols = append(t.Cols, widths[c])
		use = append(use, c)
	}
	t.header(1, hdr...)
	t.OuterV = g.r.IntN(3) > 0
	align := make([]int, len(use))
	for i, c := range use {
		if c == 0 || c == 2 || c == 3 {
			align[i] = 1
		}
	}
	rg := d.Applicant.Region
	for i := range 3 + g.r.IntN(6) {
		p := g.person(rg)
		row := []string{fmt.Sprint(i + 1), p.Name, p.Born.slash(), p.CCCD, p.Address, procedures[g.r.IntN(len(procedures))].Name,
			g.pick([]string{"", "", "Bổ sung sau", "Nộp trực tuyến", "Đã thu phí", ""})}
		var texts []string
		for _, c := range use {
			texts = append(texts, row[c])
		}
		t.add(align, texts...)
	}
	after = []block{
		{Style: stGap},
		placeDate(rg, d.Received),
	}
	return before, t, append(after, signer("NGƯỜI LẬP DANH SÁCH", officer)...)
}

// feeTable lists procedures with their time limits and fees, the fee
// heading merged over its two sub-columns.
func (g textGen) feeTable(d dossier) (before []block, t table, after []block) {
	before = append(header(),
		block{Style: stTitle, Label: "BẢNG NIÊM YẾT PHÍ, LỆ PHÍ"},
		block{Style: stCenter, Label: "Thủ tục hành chính tiếp nhận tại " + d.Desk},
		block{Style: stGap},
	)
	t.Cols = []float64{0.6, 4.2, 1.6, 1.4, 1.4}
	withNote := g.r.IntN(2) == 0
	if withNote {
		t.Cols = append(t.Cols, 1.6)
	}
	hdr := []tableCell{hc("STT", 0, 0, 2, 1), hc("Tên thủ tục hành chính", 0, 1, 2, 1), hc("Thời hạn giải quyết", 0, 2, 2, 1),
		hc("Mức thu (đồng)", 0, 3, 1, 2), hc("Phí", 1, 3, 1, 1), hc("Lệ phí", 1, 4, 1, 1)}
	if withNote {
		hdr = append(hdr, hc("Ghi chú", 0, 5, 2, 1))
	}
	t.header(2, hdr...)
	t.OuterV = g.r.IntN(3) > 0
	align := []int{1, 0, 1, 2, 2, 0}
	procs := slices.Clone(procedures)
	g.r.Shuffle(len(procs), func(i, j int) { procs[i], procs[j] = procs[j], procs[i] })
	for i, p := range procs[:4+g.r.IntN(5)] {
		phi, lephi := "Không", "Không"
		if p.Fee > 0 {
			if g.r.IntN(2) == 0 {
				phi = thousands(p.Fee)
			} else {
				lephi = thousands(p.Fee)
			}
		}
		row := []string{fmt.Sprint(i + 1), p.Name, fmt.Sprintf("%02d ngày làm việc", p.Days), phi, lephi}
		if withNote {
			row = append(row, g.pick([]string{"", "Miễn cho hộ nghèo", "Nộp trực tuyến giảm 50%", ""}))
		}
		t.add(align, row...)
	}
	after = []block{
		{Style: stGap},
		{Style: stPara, Label: "Phí, lệ phí nộp tại Bộ phận Một cửa khi tiếp nhận hồ sơ hoặc qua Cổng Dịch vụ công quốc gia; người nộp nhận biên lai thu theo quy định."},
	}
	return before, t, after
}

// controlForm is the dossier control form (phiếu kiểm soát quá trình giải
// quyết hồ sơ): who handed the dossier to whom, when, and the outcome.
func (g textGen) controlForm(d dossier, officer string) (before []block, t table, after []block) {
	before = []block{
		{Style: stCenterBold, Label: upper(d.Agency)},
		{Style: stCenterBold, Label: "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"},
		{Style: stTitle, Label: "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"},
		{Style: stCenter, Label: "Mã hồ sơ: " + d.Code},
		{Style: stField, Label: "Cơ quan, tổ chức, cá nhân: ", Text: d.Applicant.Name},
		{Style: stField, Label: "Nội dung: ", Text: d.Proc.Name},
		{Style: stGap},
	}
	t.Cols = []float64{2.6, 3.4, 2.6, 1.6}
	t.header(1, hc("TÊN CƠ QUAN", 0, 0, 1, 1), hc("THỜI GIAN GIAO, NHẬN HỒ SƠ", 0, 1, 1, 1),
		hc("KẾT QUẢ GIẢI QUYẾT HỒ SƠ", 0, 2, 1, 1), hc("GHI CHÚ", 0, 3, 1, 1))
	t.OuterV = true
	steps := []string{"Bộ phận tiếp nhận và trả kết quả", "Công chức Văn phòng - Thống kê", "Công chức Tư pháp - Hộ tịch",
		"Lãnh đạo Ủy ban nhân dân", "Văn thư cơ quan"}
	day := d.Received
	who := []string{officer, g.name(true), g.name(false), g.name(g.r.IntN(2) == 0), g.name(true)}
	for i := range 3 + g.r.IntN(3) {
		when := fmt.Sprintf("%02d giờ %02d phút, ngày %s", g.between(7, 16), 5*g.r.IntN(12), day.slash())
		give := fmt.Sprintf("%d. Giao: %s. Người giao: %s. Người nhận: %s", i+1, when, who[i], who[(i+1)%len(who)])
		res := g.pick([]string{"Hồ sơ đầy đủ, hợp lệ", "Đúng hạn", "Đề nghị bổ sung giấy tờ", "Trình ký", "Đã ký, chuyển trả kết quả"})
		t.add([]int{0, 0, 0, 0}, steps[i], give, res, g.pick([]string{"", "", "Trước hạn", "Đúng hạn"}))
		day = day.addDays(g.r.IntN(2))
	}
	return before, t, nil
}

// drawTable renders t across the layout's box from its current line
// down, keeping the body rows that fit; it returns the text of each grid
// row (the cells that start in it, left to right) and adds the cells'
// lines to the layout in reading order. broken gaps the rules as a copy
// or a fax does.
func (l *layout) drawTable(t table, rnd *rand.Rand, dpi float64, broken bool) (rows []string) {
	asc := l.reg.Metrics().Ascent.Ceil()
	top := l.y - asc
	padX, padY := int(l.px*0.35), int(float64(l.lineH)*0.3)
	xs := l.columns(t, padX)
	space := font.MeasureString(l.reg, " ").Round()
	type laid struct {
		cell  tableCell
		face  font.Face
		lines [][]token
	}
	var cells []laid
	heights := make([]int, t.Rows)
	for _, c := range t.Cells {
		face := l.reg
		if c.Header {
			face = l.bold
		}
		var toks []token
		for _, w := range strings.Fields(c.Text) {
			toks = append(toks, token{w, false})
		}
		w := xs[c.Col+c.ColSpan] - xs[c.Col] - 2*padX
		lines := wrap(face, toks, w, w)
		cells = append(cells, laid{c, face, lines})
		if c.RowSpan == 1 {
			heights[c.Row] = max(heights[c.Row], max(1, len(lines))*l.lineH+2*padY)
		}
	}
	// Cells spanning rows fit in their rows' sum, or the last row grows.
	for _, c := range cells {
		if c.cell.RowSpan > 1 {
			need, have := len(c.lines)*l.lineH+2*padY, 0
			for r := c.cell.Row; r < c.cell.Row+c.cell.RowSpan; r++ {
				have += heights[r]
			}
			heights[c.cell.Row+c.cell.RowSpan-1] += max(0, need-have)
		}
	}
	ys := []int{top}
	for _, h := range heights {
		ys = append(ys, ys[len(ys)-1]+h)
	}
	// Body rows that do not fit are left out, with their cells.
	n := t.Rows
	for n > t.Head+1 && ys[n] > l.box.Max.Y-4*l.lineH {
		n--
	}
	th := max(1, int(math.Round(dpi*(0.5+0.6*rnd.Float64())/72)))
	owner := func(r, c int) int {
		for i, x := range cells {
			if r >= x.cell.Row && r < x.cell.Row+x.cell.RowSpan && c >= x.cell.Col && c < x.cell.Col+x.cell.ColSpan {
				return i
			}
		}
		return -1
	}
	rule := func(x0, y0, x1, y1 int) {
		if !broken {
			draw.Draw(l.dst, image.Rect(x0, y0, x1, y1), image.NewUniform(l.ink.text), image.Point{}, draw.Src)
			return
		}
		// Dropouts every few millimetres, up to a millimetre long.
		horiz := x1-x0 > y1-y0
		from, to := y0, y1
		if horiz {
			from, to = x0, x1
		}
		for p := from; p < to; {
			seg := int(dpi * (0.1 + 0.5*rnd.Float64()))
			e := min(to, p+seg)
			r := image.Rect(p, y0, e, y1)
			if !horiz {
				r = image.Rect(x0, p, x1, e)
			}
			draw.Draw(l.dst, r, image.NewUniform(l.ink.text), image.Point{}, draw.Src)
			p = e + int(dpi*0.04*rnd.Float64())
		}
	}
	nc := len(t.Cols)
	for r := 0; r <= n; r++ {
		for c := range nc {
			if r > 0 && r < n && owner(r-1, c) == owner(r, c) {
				continue
			}
			rule(xs[c], ys[r]-th/2, xs[c+1]+(th+1)/2, ys[r]-th/2+th)
		}
	}
	for c := 0; c <= nc; c++ {
		if !t.OuterV && (c == 0 || c == nc) {
			continue
		}
		for r := range n {
			if c > 0 && c < nc && owner(r, c-1) == owner(r, c) {
				continue
			}
			rule(xs[c]-th/2, ys[r]-th/2, xs[c]-th/2+th, ys[r+1]+(th+1)/2)
		}
	}
	// Text, in reading order.
	slices.SortStableFunc(cells, func(a, b laid) int {
		if a.cell.Row != b.cell.Row {
			return a.cell.Row - b.cell.Row
		}
		return a.cell.Col - b.cell.Col
	})
	rowText := make([][]string, n)
	for _, c := range cells {
		if c.cell.Row >= n || len(c.lines) == 0 {
			continue
		}
		x0, x1 := xs[c.cell.Col]+padX, xs[c.cell.Col+c.cell.ColSpan]-padX
		y := ys[c.cell.Row] + padY + asc
		if c.cell.Header {
			last := min(n, c.cell.Row+c.cell.RowSpan)
			y = (ys[c.cell.Row]+ys[last])/2 - len(c.lines)*l.lineH/2 + asc + (l.lineH-asc)/3
		}
		for _, ln := range c.lines {
			lw := lineWidth(c.face, ln, space)
			x := x0
			switch {
			case c.cell.Header || c.cell.Align == 1:
				x = (x0 + x1 - lw) / 2
			case c.cell.Align == 2:
				x = x1 - lw
			}
			l.drawLine(c.face, ln, x, y, space)
			rowText[c.cell.Row] = append(rowText[c.cell.Row], l.lines[len(l.lines)-1].Text)
			y += l.lineH
		}
	}
	for _, r := range rowText {
		rows = append(rows, strings.Join(r, " "))
	}
	l.y = ys[n] + l.lineH*6/10 + asc
	return rows
}

// columns places the column boundaries across the layout's box: widths in
// proportion to t.Cols, but never narrower than a column's longest word
// (a number does not wrap), the others sharing what is left.
func (l *layout) columns(t table, padX int) []int {
	need := make([]float64, len(t.Cols))
	for _, c := range t.Cells {
		if c.ColSpan != 1 {
			continue
		}
		face := l.reg
		if c.Header {
			face = l.bold
		}
		for _, w := range strings.Fields(c.Text) {
			need[c.Col] = max(need[c.Col], float64(font.MeasureString(face, w).Ceil()+2*padX+2))
		}
	}
	width := make([]float64, len(t.Cols))
	fixed := make([]bool, len(t.Cols))
	for range t.Cols {
		free, weight := float64(l.box.Dx()), 0.0
		for c, w := range t.Cols {
			if fixed[c] {
				free -= width[c]
			} else {
				weight += w
			}
		}
		again := false
		for c, w := range t.Cols {
			if fixed[c] {
				continue
			}
			if width[c] = free * w / weight; width[c] < need[c] {
				width[c], fixed[c], again = need[c], true, true
			}
		}
		if !again {
			break
		}
	}
	xs := []int{l.box.Min.X}
	acc := 0.0
	for _, w := range width {
		acc += w
		xs = append(xs, l.box.Min.X+int(acc))
	}
	return xs
}
