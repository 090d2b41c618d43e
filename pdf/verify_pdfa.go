package pdf

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sohoa/sohoa/pdf/pdfread"
)

// The PDF/A half of Verify: the XMP claim, Info and XMP agreement, the
// output intent, embedded fonts and printable annotations. It reports the
// problems it finds; it is not a full validator (PDFBox Preflight is, in
// the tests).
var (
	reHeader  = regexp.MustCompile(`^%PDF-(\d\.\d)`)
	reXMPPart = regexp.MustCompile(`pdfaid:part(?:>|\s*=\s*["'])\s*(\d)`)
	reXMPConf = regexp.MustCompile(`pdfaid:conformance(?:>|\s*=\s*["'])\s*([A-Za-z])`)
)

func xmpValue(xmp []byte, name string) string {
	re := regexp.MustCompile(regexp.QuoteMeta(name) + `(?:>\s*(?:<rdf:Alt>\s*<rdf:li[^>]*>)?([^<]*)<|\s*=\s*"([^"]*)")`)
	m := re.FindSubmatch(xmp)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m[1]) + string(m[2]))
}

// maxPages bounds the page tree walk against crafted files.
const maxPages = 100_000

// checkPages walks the page tree: it counts pages and returns the problems
// with fonts and annotations that PDF/A forbids.
func checkPages(ctx context.Context, src pdfObjects, root types.Dict, rep *Report) []string {
	var problems []string
	problem := func(format string, args ...any) {
		if len(problems) < 50 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	seen := map[string]bool{}
	var walk func(node types.Object, res types.Dict, depth int)
	walk = func(node types.Object, res types.Dict, depth int) {
		if depth > 64 || rep.Pages >= maxPages || ctx.Err() != nil {
			return
		}
		if ir, ok := node.(types.IndirectRef); ok {
			if seen[ir.String()] {
				problem("the page tree has a loop")
				return
			}
			seen[ir.String()] = true
		}
		nd, err := pdfread.DictOf(src, node)
		if err != nil {
			problem("page tree node unreadable: %v", err)
			return
		}
		if ro, ok := nd.Find("Resources"); ok {
			if rd, err := pdfread.DictOf(src, ro); err == nil {
				res = rd
			}
		}
		if t := pdfread.NameOf(src, nd, "Type"); t == "Pages" || (t == "" && nd["Kids"] != nil) {
			kids, err := pdfread.ArrayOf(src, nd["Kids"])
			if err != nil {
				problem("page tree node without /Kids")
				return
			}
			for _, k := range kids {
				walk(k, res, depth+1)
			}
			return
		}
		rep.Pages++
		p := rep.Pages
		if res != nil {
			checkFonts(src, res, p, seen, problem, 0)
		}
		annots, _ := pdfread.ArrayOf(src, nd["Annots"])
		for _, an := range annots {
			ad, err := pdfread.DictOf(src, an)
			if err != nil {
				continue
			}
			if fo, ok := ad.Find("F"); ok {
				if f, err := pdfread.NumberOf(src, fo); err == nil && int(f)&4 == 0 && pdfread.NameOf(src, ad, "Subtype") != "Popup" {
					problem("page %d: an annotation is not marked printable (/F 4)", p)
				}
			}
			if ap, ok := ad.Find("AP"); ok {
				apd, _ := pdfread.DictOf(src, ap)
				if n, ok := apd.Find("N"); ok {
					if nd, err := pdfread.DictOf(src, n); err == nil {
						if rd, err := pdfread.DictOf(src, nd["Resources"]); err == nil {
							checkFonts(src, rd, p, seen, problem, 0)
						}
					}
				}
			}
		}
	}
	if pages, ok := root.Find("Pages"); ok {
		walk(pages, nil, 0)
	} else {
		problem("the catalog has no /Pages")
	}
	return problems
}

func checkPDFA(d docParts, rep *Report, pageProblems []string) {
	src := d.src
	var xmp []byte
	if o, ok := d.root.Find("Metadata"); ok {
		xmp, _ = src.Stream(o, 16<<20)
	}
	if xmp == nil {
		return // no claim
	}
	if m := reXMPPart.FindSubmatch(xmp); m != nil {
		rep.PDFAPart, _ = strconv.Atoi(string(m[1]))
	}
	if m := reXMPConf.FindSubmatch(xmp); m != nil {
		rep.PDFAConformance = strings.ToUpper(string(m[1]))
	}
	if rep.PDFAPart == 0 {
		return
	}
	problem := func(format string, args ...any) {
		rep.PDFAProblems = append(rep.PDFAProblems, fmt.Sprintf(format, args...))
	}
	if rep.PDFAConformance == "" {
		problem("XMP has pdfaid:part but no pdfaid:conformance")
	}
	if rep.Encrypted {
		problem("the file is encrypted")
	}
	if !d.idOK {
		problem("the trailer has no /ID")
	}
	if v, err := strconv.ParseFloat(rep.Version, 64); err == nil && rep.PDFAPart == 1 && v > 1.4 {
		problem("PDF/A-1 file with header version %s (want 1.4 or lower)", rep.Version)
	}

	// Info and XMP must agree.
	infoText := func(k string) (string, bool) {
		if d.info == nil {
			return "", false
		}
		o, ok := d.info.Find(k)
		if !ok {
			return "", false
		}
		s, err := pdfread.TextOf(src, o)
		return s, err == nil
	}
	for _, dd := range []struct{ info, xmp string }{{"CreationDate", "xmp:CreateDate"}, {"ModDate", "xmp:ModifyDate"}} {
		is, ok := infoText(dd.info)
		if !ok {
			continue
		}
		it, ok1 := types.DateTime(is, true)
		xs := xmpValue(xmp, dd.xmp)
		xv, err := time.Parse(time.RFC3339, xs)
		switch {
		case !ok1:
			problem("Info /%s %q is not a PDF date", dd.info, is)
		case xs == "":
			problem("Info /%s is set but XMP %s is missing", dd.info, dd.xmp)
		case err != nil:
			problem("XMP %s %q is not an ISO 8601 date", dd.xmp, xs)
		case !it.Equal(xv):
			problem("Info /%s (%s) and XMP %s (%s) differ", dd.info, it.Format(time.RFC3339), dd.xmp, xv.Format(time.RFC3339))
		}
	}
	for _, dd := range []struct{ info, xmp string }{{"Producer", "pdf:Producer"}, {"Title", "dc:title"}, {"Creator", "xmp:CreatorTool"}} {
		is, ok := infoText(dd.info)
		if !ok || is == "" {
			continue
		}
		if xs := xmpValue(xmp, dd.xmp); xs != is {
			problem("Info /%s %q and XMP %s %q differ", dd.info, is, dd.xmp, xs)
		}
	}

	// Output intent with an ICC profile.
	hasIntent := false
	intents, _ := pdfread.ArrayOf(src, d.root["OutputIntents"])
	for _, it := range intents {
		if id, err := pdfread.DictOf(src, it); err == nil {
			if _, ok := id.Find("DestOutputProfile"); ok {
				hasIntent = true
			}
		}
	}
	if !hasIntent {
		problem("no OutputIntent with an ICC profile (DestOutputProfile)")
	}
	rep.PDFAProblems = append(rep.PDFAProblems, pageProblems...)
}

// checkFonts reports fonts without an embedded program in res, recursing into form XObjects.
func checkFonts(src pdfObjects, res types.Dict, page int, seen map[string]bool, problem func(string, ...any), depth int) {
	if depth > 8 {
		return
	}
	fd, _ := pdfread.DictOf(src, res["Font"])
	for name, f := range fd {
		if !firstVisit(seen, "f", f) {
			continue
		}
		d, err := pdfread.DictOf(src, f)
		if err != nil {
			continue
		}
		if !fontEmbedded(src, d) {
			problem("page %d: font %s (%s) is not embedded", page, name, pdfread.NameOf(src, d, "BaseFont"))
		}
	}
	xd, _ := pdfread.DictOf(src, res["XObject"])
	for _, x := range xd {
		if !firstVisit(seen, "x", x) {
			continue
		}
		sd, err := pdfread.DictOf(src, x)
		if err != nil || pdfread.NameOf(src, sd, "Subtype") != "Form" {
			continue
		}
		if rd, err := pdfread.DictOf(src, sd["Resources"]); err == nil {
			checkFonts(src, rd, page, seen, problem, depth+1)
		}
	}
}

// firstVisit reports whether o, a font ("f") or an XObject ("x"), is met
// for the first time, and marks it met: a font shared by pages is checked
// once, and a form that draws itself ends the recursion. A direct object
// has no identity and is always new.
func firstVisit(seen map[string]bool, kind string, o types.Object) bool {
	ir, ok := o.(types.IndirectRef)
	if !ok {
		return true
	}
	if seen[kind+ir.String()] {
		return false
	}
	seen[kind+ir.String()] = true
	return true
}

func fontEmbedded(src pdfObjects, d types.Dict) bool {
	switch pdfread.NameOf(src, d, "Subtype") {
	case "Type3":
		return true
	case "Type0":
		arr, err := pdfread.ArrayOf(src, d["DescendantFonts"])
		if err != nil || len(arr) == 0 {
			return false
		}
		if d, err = pdfread.DictOf(src, arr[0]); err != nil {
			return false
		}
	}
	fd, err := pdfread.DictOf(src, d["FontDescriptor"])
	if err != nil {
		return false
	}
	for _, k := range []string{"FontFile", "FontFile2", "FontFile3"} {
		if _, ok := fd.Find(k); ok {
			return true
		}
	}
	return false
}
