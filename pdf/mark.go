package pdf

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// markFontCandidates are tried in order for the visible signature mark;
// DejaVu Sans and Noto Sans both cover Vietnamese.
var markFontCandidates = []string{
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
}

func loadMarkFont(path string) (*sfnt.Font, error) {
	paths := markFontCandidates
	if path != "" {
		paths = []string{path}
	}
	var errs []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		f, err := sfnt.Parse(b)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", p, err))
			continue
		}
		return f, nil
	}
	return nil, fmt.Errorf("pdf: no font for the signature mark (%s)", strings.Join(errs, "; "))
}

// markLines is the text of the visible signature mark. The time reads as
// on the government signature stamps of the same documents, day first, in
// Vietnam's time (UTC+7): "Thời gian ký: 17/01/2025 13:43:53". The
// signer's title, when known, goes under the name.
func markLines(name, title string, when time.Time) []string {
	lines := []string{"Ký bởi: " + name}
	if title != "" {
		lines = append(lines, "Chức vụ: "+title)
	}
	return append(lines, "Thời gian ký: "+when.In(vnZone).Format("02/01/2006 15:04:05"))
}

// type3Font is a Type 3 font holding just the glyphs of one mark, drawn as
// outlines taken from a TrueType font. Type 3 glyphs are part of the file,
// so the font counts as embedded for PDF/A, and no font program needs subsetting.
type type3Font struct {
	codes   map[rune]byte
	runes   []rune    // code i+1 -> runes[i]
	widths  []float64 // glyph space (1/1000 em)
	procs   []string
	bbox    [4]float64
	missing []rune
}

// newType3Font builds the glyphs for every rune in text (at most 255 distinct).
func newType3Font(f *sfnt.Font, text string) (*type3Font, error) {
	t := &type3Font{codes: map[rune]byte{}}
	var buf sfnt.Buffer
	ppem := fixed.I(1000)
	first := true
	for _, r := range text {
		if r == '\n' {
			continue
		}
		if _, ok := t.codes[r]; ok {
			continue
		}
		if len(t.runes) == 255 {
			return nil, fmt.Errorf("pdf: signature mark uses more than 255 characters")
		}
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			t.missing = append(t.missing, r)
			gi, _ = f.GlyphIndex(&buf, '?')
		}
		adv, err := f.GlyphAdvance(&buf, gi, ppem, font.HintingNone)
		if err != nil {
			return nil, fmt.Errorf("pdf: signature mark glyph %q: %w", r, err)
		}
		segs, err := f.LoadGlyph(&buf, gi, ppem, nil)
		if err != nil {
			return nil, fmt.Errorf("pdf: signature mark glyph %q: %w", r, err)
		}
		w := float64(adv) / 64
		var p strings.Builder
		fmt.Fprintf(&p, "%s 0 d0\n", num(w))
		var cur [2]float64
		pt := func(q fixed.Point26_6) (float64, float64) {
			x, y := float64(q.X)/64, -float64(q.Y)/64 // sfnt y grows downwards
			if first {
				t.bbox = [4]float64{x, y, x, y}
				first = false
			}
			t.bbox[0], t.bbox[1] = min(t.bbox[0], x), min(t.bbox[1], y)
			t.bbox[2], t.bbox[3] = max(t.bbox[2], x), max(t.bbox[3], y)
			return x, y
		}
		for _, s := range segs {
			switch s.Op {
			case sfnt.SegmentOpMoveTo:
				x, y := pt(s.Args[0])
				fmt.Fprintf(&p, "%s %s m\n", num(x), num(y))
				cur = [2]float64{x, y}
			case sfnt.SegmentOpLineTo:
				x, y := pt(s.Args[0])
				fmt.Fprintf(&p, "%s %s l\n", num(x), num(y))
				cur = [2]float64{x, y}
			case sfnt.SegmentOpQuadTo:
				cx, cy := pt(s.Args[0])
				x, y := pt(s.Args[1])
				// Quadratic to cubic Bézier.
				c1x, c1y := cur[0]+2.0/3*(cx-cur[0]), cur[1]+2.0/3*(cy-cur[1])
				c2x, c2y := x+2.0/3*(cx-x), y+2.0/3*(cy-y)
				fmt.Fprintf(&p, "%s %s %s %s %s %s c\n", num(c1x), num(c1y), num(c2x), num(c2y), num(x), num(y))
				cur = [2]float64{x, y}
			case sfnt.SegmentOpCubeTo:
				a, b := pt(s.Args[0])
				c, d := pt(s.Args[1])
				x, y := pt(s.Args[2])
				fmt.Fprintf(&p, "%s %s %s %s %s %s c\n", num(a), num(b), num(c), num(d), num(x), num(y))
				cur = [2]float64{x, y}
			}
		}
		if len(segs) > 0 {
			p.WriteString("f\n")
		}
		t.runes = append(t.runes, r)
		t.codes[r] = byte(len(t.runes))
		t.widths = append(t.widths, w)
		t.procs = append(t.procs, p.String())
	}
	return t, nil
}

// encode returns the codes of s and its width in glyph units.
func (t *type3Font) encode(s string) ([]byte, float64) {
	var out []byte
	var w float64
	for _, r := range s {
		c := t.codes[r]
		out = append(out, c)
		w += t.widths[c-1]
	}
	return out, w
}

// write writes the font and returns its object number.
func (t *type3Font) write(o *objWriter) int {
	fontID, encID, tuID := o.alloc(), o.alloc(), o.alloc()
	procIDs := make([]int, len(t.procs))
	for i := range procIDs {
		procIDs[i] = o.alloc()
	}
	var diffs, procs, widths strings.Builder
	diffs.WriteString("1")
	for i := range t.runes {
		fmt.Fprintf(&diffs, " /g%d", i+1)
		fmt.Fprintf(&procs, " /g%d %s", i+1, ref(procIDs[i]))
		fmt.Fprintf(&widths, " %s", num(t.widths[i]))
	}
	o.obj(fontID, fmt.Sprintf("<</Type /Font /Subtype /Type3 /Name /SigMark /FontBBox [%s %s %s %s] /FontMatrix [0.001 0 0 0.001 0 0] /CharProcs <<%s>> /Encoding %s /FirstChar 1 /LastChar %d /Widths [%s] /ToUnicode %s /Resources <<>>>>",
		num(t.bbox[0]), num(t.bbox[1]), num(t.bbox[2]), num(t.bbox[3]), procs.String(), ref(encID), len(t.runes), widths.String(), ref(tuID)))
	o.obj(encID, fmt.Sprintf("<</Type /Encoding /Differences [%s]>>", diffs.String()))
	var cm bytes.Buffer
	cm.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n/CMapName /SigMark-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<00> <FF>\nendcodespacerange\n")
	for i := 0; i < len(t.runes); i += 100 {
		j := min(len(t.runes), i+100)
		fmt.Fprintf(&cm, "%d beginbfchar\n", j-i)
		for k := i; k < j; k++ {
			fmt.Fprintf(&cm, "<%02X> <", k+1)
			for _, u := range utf16.Encode([]rune{t.runes[k]}) {
				fmt.Fprintf(&cm, "%04X", u)
			}
			cm.WriteString(">\n")
		}
		cm.WriteString("endbfchar\n")
	}
	cm.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	o.flateStream(tuID, "", cm.Bytes())
	for i, id := range procIDs {
		o.flateStream(id, "", []byte(t.procs[i]))
	}
	return fontID
}

// markAppearance returns the content of the visible mark's appearance
// stream and its size: a thin frame with the lines of text.
func markAppearance(t *type3Font, lines []string, size float64) (content []byte, w, h float64) {
	const pad = 4
	lead := size * 1.3
	var maxw float64
	codes := make([][]byte, len(lines))
	for i, l := range lines {
		c, lw := t.encode(l)
		codes[i] = c
		maxw = max(maxw, lw*size/1000)
	}
	w = maxw + 2*pad
	h = lead*float64(len(lines)) + 2*pad - (lead - size)
	var b bytes.Buffer
	fmt.Fprintf(&b, "q 0.1 0.2 0.6 RG 0.8 w 0.4 0.4 %s %s re S Q\n", num(w-0.8), num(h-0.8))
	fmt.Fprintf(&b, "q 0.1 0.2 0.6 rg BT /M1 %s Tf\n", num(size))
	for i, c := range codes {
		y := h - pad - size*0.85 - float64(i)*lead
		fmt.Fprintf(&b, "1 0 0 1 %s %s Tm <%X> Tj\n", num(pad), num(y), c)
	}
	b.WriteString("ET Q\n")
	return b.Bytes(), w, h
}
