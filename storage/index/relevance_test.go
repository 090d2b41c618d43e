package index_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// The relevance benchmark: judged queries over a generated corpus where
// folded collisions are planted on purpose, sohoa against two baselines
// in the same run:
//
//	go test ./storage/index -run '^$' -bench Relevance -benchtime 1x -v
//
// SOHOA_RELEVANCE_SEED draws another corpus and other queries (the
// ranking knows none of these words: judge it on seeds it has not seen).
//
// Each topic is a run of two or three syllables drawn from groups that
// fold alike (kiên/kiến/kiện, đốc/độc/đọc, họ/hộ/hồ, cửa/của/cua...): a
// target page holds it once, with its marks, among the boilerplate of an
// administrative paper; newer pages hold the same syllables with other
// marks next to each other, the exact syllables scattered and repeated,
// and one the form one mark away that OCR gives (graded 1 for a query
// typed with marks: it may be the same paper misread). Queries: the
// topic as typed with marks, in capitals, and without marks (then every
// page holding the syllables together is relevant), names, document
// numbers, and dossier codes (in the metadata only, as on real scans).
//
// Measures: P@1 (the top hit is a page of the highest grade), MRR@10 (of
// the first such page) and nDCG@10 (gain 2^grade-1).

var collisionGroups = [][]string{
	{"kiên", "kiến", "kiện", "kiền", "kiển"},
	{"đốc", "độc", "đọc", "dốc"},
	{"họ", "hộ", "hồ", "hổ", "hố"},
	{"cửa", "của", "cua", "cưa"},
	{"dân", "dần", "dẫn", "dấn"},
	{"tiên", "tiến", "tiền", "tiện"},
	{"thủy", "thùy", "thúy", "thụy"},
	{"hải", "hại", "hài", "hái"},
	{"bảo", "báo", "bào", "bạo"},
	{"chính", "chỉnh", "chinh", "chình"},
	{"đông", "động", "đồng", "dòng"},
	{"giang", "giảng", "giàng", "giáng"},
	{"sơn", "sớn", "sờn", "son"},
	{"phú", "phụ", "phủ", "phu"},
	{"hòa", "hóa", "họa", "hoa"},
	{"long", "lòng", "lồng", "lông"},
	{"minh", "mình", "mỉnh", "mính"},
	{"nam", "năm", "nằm", "nấm"},
	{"thành", "thanh", "thạnh", "thánh"},
	{"quang", "quảng", "quáng", "quàng"},
	{"trung", "trùng", "trúng", "trưng"},
	{"lộc", "lọc", "lốc", "lôc"},
	{"tân", "tấn", "tần", "tận"},
	{"bình", "bính", "bịnh", "binh"},
	{"đức", "đực", "dức", "đứt"},
	{"văn", "vân", "vấn", "vẫn"},
	{"hưng", "hứng", "hừng", "hung"},
	{"phước", "phược", "phuoc", "phướt"},
	{"khánh", "khanh", "khánh", "khảnh"},
	{"ninh", "nình", "nịnh", "nính"},
}

// judged is one query and the grade of each relevant page ("result#page").
type judged struct {
	kind, text string
	grades     map[string]int
}

type relCorpus struct {
	pages   []index.PageText
	queries []judged
	topics  []int // the queries judged by content (see judgeByContent)
}

func pageKey(code string, page int) string { return fmt.Sprintf("%s#%d", code, page) }

// markDistance counts the marks that differ between two syllables of the
// same fold (tone, vowel shape, đ).
func markDistance(a, b string) int {
	type letter struct {
		base  rune
		marks string
	}
	split := func(s string) []letter {
		var out []letter
		for _, r := range norm.NFD.String(strings.ToLower(s)) {
			if unicode.Is(unicode.Mn, r) && len(out) > 0 {
				out[len(out)-1].marks += string(r)
				continue
			}
			out = append(out, letter{base: r})
		}
		return out
	}
	la, lb := split(a), split(b)
	if len(la) != len(lb) {
		return 99
	}
	d := 0
	for i := range la {
		if la[i].base != lb[i].base {
			d++ // đ against d
		}
		for _, m := range la[i].marks {
			if !strings.ContainsRune(lb[i].marks, m) {
				d++
			}
		}
		for _, m := range lb[i].marks {
			if !strings.ContainsRune(la[i].marks, m) {
				d++
			}
		}
	}
	return d
}

func title(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		ws[i] = string(r)
	}
	return strings.Join(ws, " ")
}

// relevanceCorpus builds the corpus and the judged queries of a seed.
func relevanceCorpus(seed uint64, background, topics int) relCorpus {
	g := newGen(seed)
	r := rand.New(rand.NewPCG(seed, 99))
	var c relCorpus
	dossier := 0
	add := func(date time.Time, titleText string, texts ...string) string {
		dossier++
		agency := fmt.Sprintf("000.00.%02d.H%02d", 1+dossier%40, 10+dossier%53)
		code := fmt.Sprintf("%s-%s-%04d", agency, date.Format("060102"), dossier%10000)
		for i, t := range texts {
			c.pages = append(c.pages, index.PageText{ResultCode: code + "-KQ1", DossierCode: code, AgencyCode: agency,
				Title: titleText, DocumentType: "van-ban", Date: date, Page: i + 1, Text: t})
		}
		return code + "-KQ1"
	}
	filler := func(n int) string {
		var b []string
		for range n {
			b = append(b, g.pick(boilerplate))
		}
		return strings.Join(b, "\n")
	}
	for i := range background {
		res := g.result(i + 100000)
		for _, p := range res.pages {
			p.ResultCode, p.DossierCode = "BG-"+p.ResultCode, "BG-"+p.DossierCode
			c.pages = append(c.pages, p)
		}
	}
	// Words around the scattered syllables: none folds like a syllable of
	// the groups, so no page holds a topic together by chance.
	grouped := map[string]bool{}
	for _, grp := range collisionGroups {
		for _, f := range grp {
			grouped[index.Fold(f)] = true
		}
	}
	var neutral []string
	for _, w := range append(append([]string{}, givens...), "sáng", "chiều", "tối", "hôm", "qua", "nay", "thường", "xuyên") {
		if !grouped[index.Fold(w)] {
			neutral = append(neutral, w)
		}
	}
	old := time.Date(2019, 3, 1, 9, 0, 0, 0, time.UTC)
	newer := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for t := range topics {
		// The topic: 2 or 3 syllables from different groups, one form each.
		n := 2 + r.IntN(2)
		gi := r.Perm(len(collisionGroups))[:n]
		target := make([]string, n)
		for i, k := range gi {
			// The target is typed with its marks: a marked form.
			for target[i] == "" || index.Fold(target[i]) == target[i] {
				target[i] = collisionGroups[k][r.IntN(len(collisionGroups[k]))]
			}
		}
		other := func(i int, far bool) string { // another form of syllable i
			grp := collisionGroups[gi[i]]
			for range 50 {
				f := grp[r.IntN(len(grp))]
				if f != target[i] && (!far || markDistance(f, target[i]) > 1) {
					return f
				}
			}
			return strings.ToUpper(target[i][:1]) + "x"
		}
		phrase := strings.Join(target, " ")
		styled := func(s string) string { // names and places are capitalized
			if t%2 == 0 {
				return title(s)
			}
			return s
		}
		grades := map[string]int{}
		// The target, once, old.
		code := add(old, "Công văn", filler(3)+"\nVề việc của "+styled(phrase)+" theo đề nghị.\n"+filler(2))
		grades[pageKey(code, 1)] = 2
		// OCR's reading one mark away, together: grade 1.
		i := r.IntN(n)
		near := append([]string(nil), target...)
		for _, f := range collisionGroups[gi[i]] {
			if markDistance(f, target[i]) == 1 {
				near[i] = f
				break
			}
		}
		nearCode := ""
		if near[i] != target[i] {
			nearCode = add(old.AddDate(0, 1, 0), "Công văn", filler(2)+"\nBáo cáo "+styled(strings.Join(near, " "))+".\n"+filler(2))
		}
		// Other marks together, repeated: grade 0 when typed with marks.
		var together []string
		for range 2 {
			coll := make([]string, n)
			for i := range target {
				coll[i] = other(i, true)
			}
			s := styled(strings.Join(coll, " "))
			together = append(together, add(newer, "Biên bản", filler(2)+"\n"+s+", "+s+" và "+s+".\n"+filler(1)))
		}
		// The exact syllables scattered, repeated; collisions scattered.
		for k := range 4 {
			var parts []string
			for rep := range 3 {
				for i := range target {
					w := target[i]
					if k >= 2 || rep > 0 {
						w = other(i, false)
					}
					parts = append(parts, w+" "+g.pick(neutral)+" "+g.pick(neutral)+", "+g.pick(neutral)+".")
				}
			}
			add(newer.AddDate(0, 0, k), "Biên bản", filler(1)+"\n"+strings.Join(parts, "\n")+"\n"+g.pick(boilerplate))
		}
		marked := map[string]int{}
		for k, v := range grades {
			marked[k] = v
		}
		if nearCode != "" {
			marked[pageKey(nearCode, 1)] = 1
		}
		kind := "phrase"
		if t%2 == 0 {
			kind = "name/place"
		}
		c.queries = append(c.queries, judged{kind + ", marks", styled(phrase), marked})
		c.queries = append(c.queries, judged{kind + ", capitals", strings.ToUpper(phrase), marked})
		// Without marks, every page holding the syllables together is relevant.
		unmarked := map[string]int{pageKey(code, 1): 1}
		for _, tc := range together {
			unmarked[pageKey(tc, 1)] = 1
		}
		if nearCode != "" {
			unmarked[pageKey(nearCode, 1)] = 1
		}
		c.queries = append(c.queries, judged{kind + ", no marks", index.Fold(phrase), unmarked})
		c.topics = append(c.topics, len(c.queries)-3, len(c.queries)-2, len(c.queries)-1)
	}
	c.judgeByContent()
	// Document numbers: the target states it once; others hold numbers
	// sharing its parts, and its parts scattered.
	orgs := []string{"UBND", "NĐ-CP", "QĐ-UBND", "STNMT", "BTC", "TT-BCA", "SXD", "KGVX", "UBND-KT", "CV-VP"}
	for range topics / 3 {
		num, year, org := 1+r.IntN(3000), 2015+r.IntN(10), orgs[r.IntN(len(orgs))]
		doc := fmt.Sprintf("%d/%d/%s", num, year, org)
		if r.IntN(2) == 0 {
			doc = fmt.Sprintf("%d/%s", num, org)
		}
		code := add(old, "Quyết định", filler(2)+"\nSố: "+doc+"\n"+filler(3))
		for k := range 3 {
			add(newer, "Công văn", filler(2)+fmt.Sprintf("\nSố: %d/%d/%s, căn cứ văn bản %d năm %d của %s; %s số %d.\n", num+1+k, year, org, num, year, org, org, num)+filler(1))
		}
		c.queries = append(c.queries, judged{"document number", doc, map[string]int{pageKey(code, 1): 2}})
	}
	// Dossier codes, on no page's text: the result's first page.
	for range topics / 3 {
		code := add(old.AddDate(0, r.IntN(12), 0), "Giấy chứng nhận", filler(3), filler(3))
		dcode := strings.TrimSuffix(code, "-KQ1")
		add(newer, "Công văn", filler(2)+"\nHồ sơ liên quan: "+dcode[:len(dcode)-4]+"9999, "+strings.ReplaceAll(dcode, "-", " ")+"\n")
		c.queries = append(c.queries, judged{"dossier code", dcode, map[string]int{pageKey(code, 1): 2, pageKey(code, 2): 1}})
	}
	return c
}

// judgeByContent completes the grades of the topic queries from the text
// of every page, so that a page holding a topic by chance (another
// topic's words, the boilerplate) is judged as a reader would: for a
// query typed with marks, the syllables together as typed grade 2, one
// mark away grade 1; without marks, together in any marks grade 1.
func (c *relCorpus) judgeByContent() {
	type pageWords struct {
		key           string
		folded, exact []string
	}
	pages := make([]pageWords, len(c.pages))
	for i, p := range c.pages {
		pw := pageWords{key: pageKey(p.ResultCode, p.Page)}
		for _, w := range strings.FieldsFunc(norm.NFC.String(p.Title+" "+p.Text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			pw.exact = append(pw.exact, strings.ToLower(w))
			pw.folded = append(pw.folded, index.Fold(w))
		}
		pages[i] = pw
	}
	for _, qi := range c.topics {
		q := &c.queries[qi]
		words := strings.Fields(strings.ToLower(norm.NFC.String(q.text)))
		marked := index.Fold(q.text) != strings.ToLower(q.text)
		for _, p := range pages {
			best := -1
			for i := 0; i+len(words) <= len(p.folded); i++ {
				d := 0
				for j, w := range words {
					if p.folded[i+j] != index.Fold(w) {
						d = 99
						break
					}
					d += markDistance(w, p.exact[i+j])
				}
				if d < 99 && (best < 0 || d < best) {
					best = d
				}
			}
			switch {
			case best < 0:
			case !marked:
				q.grades[p.key] = max(q.grades[p.key], 1)
			case best == 0:
				q.grades[p.key] = 2
			case best == 1:
				q.grades[p.key] = max(q.grades[p.key], 1)
			}
		}
	}
}

// ranker returns the first 10 hits of a query as "result#page".
type ranker func(ctx context.Context, q string) ([]string, error)

type relScores struct{ p1, mrr, ndcg float64 }

func evaluate(ctx context.Context, name string, c relCorpus, rank ranker) (map[string]relScores, relScores, error) {
	by := map[string]relScores{}
	count := map[string]int{}
	var all relScores
	for _, q := range c.queries {
		hits, err := rank(ctx, q.text)
		if err != nil {
			return nil, all, fmt.Errorf("%q: %w", q.text, err)
		}
		top := 0
		for _, v := range q.grades {
			top = max(top, v)
		}
		var s relScores
		for i, h := range hits[:min(10, len(hits))] {
			if q.grades[h] == top {
				if i == 0 {
					s.p1 = 1
				}
				s.mrr = 1 / float64(i+1)
				break
			}
		}
		dcg := 0.0
		for i, h := range hits[:min(10, len(hits))] {
			dcg += (math.Pow(2, float64(q.grades[h])) - 1) / math.Log2(float64(i+2))
		}
		var ideal []int
		for _, v := range q.grades {
			ideal = append(ideal, v)
		}
		for i := range ideal { // descending
			for j := i + 1; j < len(ideal); j++ {
				if ideal[j] > ideal[i] {
					ideal[i], ideal[j] = ideal[j], ideal[i]
				}
			}
		}
		idcg := 0.0
		for i, v := range ideal[:min(10, len(ideal))] {
			idcg += (math.Pow(2, float64(v)) - 1) / math.Log2(float64(i+2))
		}
		s.ndcg = dcg / idcg
		if debugRelevance != "" && strings.HasPrefix(name, debugRelevance) && s.p1 == 0 {
			fmt.Printf("MISS %s %q top %v grades %v\n", q.kind, q.text, hits[:min(3, len(hits))], q.grades)
		}
		b := by[q.kind]
		by[q.kind] = relScores{b.p1 + s.p1, b.mrr + s.mrr, b.ndcg + s.ndcg}
		count[q.kind]++
		all = relScores{all.p1 + s.p1, all.mrr + s.mrr, all.ndcg + s.ndcg}
	}
	for k, v := range by {
		n := float64(count[k])
		by[k] = relScores{v.p1 / n, v.mrr / n, v.ndcg / n}
	}
	n := float64(len(c.queries))
	return by, relScores{all.p1 / n, all.mrr / n, all.ndcg / n}, nil
}

// debugRelevance names a system whose misses are printed.
var debugRelevance = os.Getenv("SOHOA_RELEVANCE_DEBUG")

func sohoaRanker(idx index.Searcher) ranker {
	return func(ctx context.Context, q string) ([]string, error) {
		res, err := idx.Search(ctx, index.Query{Text: q, PerPage: 10})
		if err != nil {
			return nil, err
		}
		var out []string
		for _, h := range res.Hits {
			out = append(out, pageKey(h.ResultCode, h.Page))
		}
		return out, nil
	}
}

// fts5Baseline indexes title and text in a plain FTS5 table,
// unicode61 remove_diacritics 2, and ranks by bm25.
func fts5Baseline(ctx context.Context, db *storage.DB, pages []index.PageText) (ranker, error) {
	if _, err := db.ExecContext(ctx, `CREATE VIRTUAL TABLE base_fts USING fts5 (key UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2')`); err != nil {
		return nil, err
	}
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		for _, p := range pages {
			if _, err := tx.ExecContext(ctx, `INSERT INTO base_fts (key, body) VALUES (?, ?)`, pageKey(p.ResultCode, p.Page), p.Title+"\n"+p.Text); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, q string) ([]string, error) {
		var terms []string
		for _, f := range strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			terms = append(terms, `"`+f+`"`)
		}
		return keys(db.QueryContext(ctx, `SELECT key FROM base_fts WHERE base_fts MATCH ? ORDER BY bm25(base_fts) LIMIT 10`, strings.Join(terms, " ")))
	}, nil
}

// pgBaseline indexes title and text as to_tsvector('simple', unaccent(..))
// and ranks by ts_rank.
func pgBaseline(ctx context.Context, db *storage.DB, pages []index.PageText) (ranker, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE base_pages (key TEXT, tsv TSVECTOR)`); err != nil {
		return nil, err
	}
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		for _, p := range pages {
			if _, err := tx.ExecContext(ctx, `INSERT INTO base_pages VALUES ($1, to_tsvector('simple', public.unaccent($2)))`,
				pageKey(p.ResultCode, p.Page), p.Title+"\n"+norm.NFC.String(p.Text)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE INDEX ON base_pages USING GIN (tsv)`); err != nil {
		return nil, err
	}
	return func(ctx context.Context, q string) ([]string, error) {
		return keys(db.QueryContext(ctx, `SELECT key FROM base_pages, plainto_tsquery('simple', public.unaccent($1)) q
			WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC LIMIT 10`, q))
	}, nil
}

func keys(rows *sql.Rows, err error) ([]string, error) {
	return storage.Collect(rows, err, func(sc storage.RowScanner) (k string, err error) {
		err = sc.Scan(&k)
		return k, err
	})
}

func BenchmarkRelevance(b *testing.B) {
	ctx := context.Background()
	seed := uint64(envInt("SOHOA_RELEVANCE_SEED", 1))
	c := relevanceCorpus(seed, envInt("SOHOA_RELEVANCE_BACKGROUND", 1500), envInt("SOHOA_RELEVANCE_TOPICS", 90))
	b.Logf("seed %d: %d pages, %d judged queries", seed, len(c.pages), len(c.queries))
	type system struct {
		name string
		rank ranker
	}
	var systems []system
	for _, d := range storagetest.Dialects {
		db := storagetest.OpenDB(b, d)
		idx := storagetest.Open(b, db, index.Open)
		byCode := map[string][]index.PageText{}
		var order []string
		for _, p := range c.pages {
			if byCode[p.ResultCode] == nil {
				order = append(order, p.ResultCode)
			}
			byCode[p.ResultCode] = append(byCode[p.ResultCode], p)
		}
		var batch []index.PageText
		for i, code := range order {
			batch = append(batch, byCode[code]...)
			if len(batch) > 500 || i == len(order)-1 {
				if err := idx.Add(ctx, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		systems = append(systems, system{"sohoa (" + string(d) + ")", sohoaRanker(idx)})
		var (
			base ranker
			err  error
		)
		switch d {
		case storage.SQLite:
			base, err = fts5Baseline(ctx, db, c.pages)
			systems = append(systems, system{"FTS5 unicode61 remove_diacritics 2, bm25", base})
		case storage.Postgres:
			base, err = pgBaseline(ctx, db, c.pages)
			systems = append(systems, system{"PostgreSQL unaccent, ts_rank", base})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	results := map[string]relScores{}
	for b.Loop() {
		for _, s := range systems {
			by, all, err := evaluate(ctx, s.name, c, s.rank)
			if err != nil {
				b.Fatalf("%s: %v", s.name, err)
			}
			results[s.name] = all
			b.Logf("%-42s P@1 %.3f  MRR@10 %.3f  nDCG@10 %.3f", s.name, all.p1, all.mrr, all.ndcg)
			for _, k := range []string{"name/place, marks", "name/place, capitals", "name/place, no marks", "phrase, marks", "phrase, capitals", "phrase, no marks", "document number", "dossier code"} {
				v := by[k]
				b.Logf("    %-24s P@1 %.3f  MRR@10 %.3f  nDCG@10 %.3f", k, v.p1, v.mrr, v.ndcg)
			}
		}
	}
	sohoa := results["sohoa (sqlite)"]
	best := max(results["FTS5 unicode61 remove_diacritics 2, bm25"].p1, results["PostgreSQL unaccent, ts_rank"].p1)
	b.ReportMetric(sohoa.p1, "P@1")
	b.ReportMetric(sohoa.mrr, "MRR@10")
	b.ReportMetric(sohoa.ndcg, "nDCG@10")
	b.ReportMetric(results["sohoa (postgres)"].p1, "P@1-pg")
	b.ReportMetric(best, "P@1-best-baseline")
	b.ReportMetric(sohoa.p1-best, "P@1-gain")
}
