package index_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// rankPage is a one-page result for the ranking tests.
func rankPage(code, date, title, text string) index.PageText {
	return index.PageText{ResultCode: code, DossierCode: strings.TrimSuffix(code, "-KQ1"), AgencyCode: "000.00.31.H33",
		Title: title, DocumentType: "cong-van", Date: day(date), Page: 1, Text: text}
}

// TestSearchRanking plants folded collisions: pages where kiện, kiến and
// kiên, or đốc, độc and đọc compete, newer and more numerous than the
// page the query means.
func TestSearchRanking(t *testing.T) {
	engines(t, func(t *testing.T, idx index.Searcher) {
		ctx := context.Background()
		pages := []index.PageText{
			rankPage("000.00.31.H33-200101-0001-KQ1", "2020-01-01", "Công văn", "Kính gửi Sở Tài chính tỉnh Kiên Giang về việc cấp phép."),
			rankPage("000.00.31.H33-200101-0002-KQ1", "2020-01-01", "Công văn", "Chi cục thuế tỉnh Kiến Giang đề nghị bổ sung."), // OCR: Kiến for Kiên
			rankPage("000.00.31.H33-200101-0003-KQ1", "2020-01-01", "Công văn", "Ủy ban yêu cầu đôn đốc thực hiện kế hoạch."),
			rankPage("000.00.31.H33-200101-0004-KQ1", "2020-01-01", "Công văn", "Số: 143/UBND-KGVX ngày 5 tháng 3 năm 2020 về giáo dục."),
			rankPage("000.00.31.H33-200101-0005-KQ1", "2021-06-01", "Công văn", "Giấy phép hộ kinh doanh đã cấp."),
			rankPage("000.00.31.H33-200101-0006-KQ1", "2021-06-01", "Giấy chứng nhận đăng ký hộ kinh doanh", "Giấy phép hộ kinh doanh đã cấp."),
			rankPage("000.00.31.H33-200101-0007-KQ1", "2022-06-01", "Công văn", "Giấy phép hộ kinh doanh đã cấp."),
		}
		// 300 newer pages where every word of the queries is found
		// folded, many times, but not as typed nor together.
		for i := range 300 {
			pages = append(pages, rankPage(fmt.Sprintf("000.00.31.H33-250101-%04d-KQ1", i), "2025-01-01", "Biên bản",
				"Đủ điều kiện, kiến nghị và khởi kiện. Giám đốc đọc bản tin về đơn thư tại Trường Giang; Giám đốc đề nghị kiện toàn, "+
					"công văn số 143 của UBND về KGVX. Đọc kỹ, đôn đúc."))
		}
		byCode := map[string][]index.PageText{}
		for _, p := range pages {
			byCode[p.ResultCode] = append(byCode[p.ResultCode], p)
		}
		var batch []index.PageText
		for _, ps := range byCode {
			batch = append(batch, ps...)
		}
		if err := idx.Add(ctx, batch); err != nil {
			t.Fatal(err)
		}
		search := func(q string) *index.Results {
			t.Helper()
			res, err := idx.Search(ctx, index.Query{Text: q})
			if err != nil {
				t.Fatalf("%q: %v", q, err)
			}
			return res
		}
		first := func(res *index.Results, n int) []string {
			var out []string
			for _, h := range res.Hits[:min(n, len(res.Hits))] {
				out = append(out, strings.TrimPrefix(strings.TrimSuffix(h.ResultCode, "-KQ1"), "000.00.31.H33-"))
			}
			return out
		}

		// Typed with marks: the exact page first (out of 302 matches, 300
		// of them newer), then the one a mark away, labelled approximate,
		// then the scattered ones.
		res := search("Kiên Giang")
		if got := first(res, 2); fmt.Sprint(got) != "[200101-0001 200101-0002]" || res.Total != 302 {
			t.Errorf("Kiên Giang: first %v of %d", got, res.Total)
		} else if res.Hits[0].Approx || !res.Hits[1].Approx || !res.Hits[2].Approx {
			t.Errorf("Kiên Giang: approx %v %v %v, want false true true", res.Hits[0].Approx, res.Hits[1].Approx, res.Hits[2].Approx)
		}
		if !strings.Contains(res.Hits[0].Snippet, "<mark>Kiên Giang</mark>") {
			t.Errorf("Kiên Giang: snippet %s", res.Hits[0].Snippet)
		}
		// Without marks, the words together come first, neither approximate.
		res = search("kien giang")
		if got := first(res, 2); fmt.Sprint(got) != "[200101-0001 200101-0002]" && fmt.Sprint(got) != "[200101-0002 200101-0001]" {
			t.Errorf("kien giang: first %v", got)
		} else if res.Hits[0].Approx || res.Hits[1].Approx {
			t.Error("kien giang: hits labelled approximate")
		}
		for _, q := range []string{"đôn đốc", "ĐÔN ĐỐC", "don doc"} {
			res = search(q)
			if got := first(res, 1); fmt.Sprint(got) != "[200101-0003]" {
				t.Errorf("%s: first %v", q, got)
			} else if !strings.Contains(res.Hits[0].Snippet, "<mark>đôn đốc</mark>") {
				t.Errorf("%s: snippet %s", q, res.Hits[0].Snippet)
			}
		}
		// A document number finds its page first, the number marked whole.
		res = search("143/UBND-KGVX")
		if got := first(res, 1); fmt.Sprint(got) != "[200101-0004]" {
			t.Errorf("143/UBND-KGVX: first %v", got)
		} else if !strings.Contains(res.Hits[0].Snippet, "<mark>143/UBND-KGVX</mark>") {
			t.Errorf("143/UBND-KGVX: snippet %s", res.Hits[0].Snippet)
		}
		// A dossier code finds its dossier, before pages that only
		// mention parts of it.
		res = search("000.00.31.H33-250101-0042")
		if got := first(res, 1); fmt.Sprint(got) != "[250101-0042]" {
			t.Errorf("dossier code: first %v", got)
		}
		// The title counts more than the body; then newer first.
		res = search("hộ kinh doanh")
		if got := first(res, 3); fmt.Sprint(got) != "[200101-0006 200101-0007 200101-0005]" {
			t.Errorf("hộ kinh doanh: first %v", got)
		}
	})
}

// TestSearchDenseLevel: a level holding thousands of matches (more than
// the PostgreSQL engine reads whole through the GIN index), the newest of
// them behind hundreds of newer pages that do not match. The hits are
// still the newest matches, in order, on page 1 and page 2.
func TestSearchDenseLevel(t *testing.T) {
	engines(t, func(t *testing.T, idx index.Searcher) {
		ctx := context.Background()
		start := time.Date(2020, 1, 1, 8, 0, 0, 0, time.UTC)
		var batch []index.PageText
		for i := range 3600 {
			text := fmt.Sprintf("Biên nhận hồ sơ số %d, phường Bến Nghé, Quận 1.", i)
			if i >= 3000 {
				text = fmt.Sprintf("Biên bản họp tổ dân phố số %d.", i)
			}
			batch = append(batch, index.PageText{ResultCode: fmt.Sprintf("000.00.31.H33-200101-%04d-KQ1", i),
				DossierCode: fmt.Sprintf("000.00.31.H33-200101-%04d", i), AgencyCode: "000.00.31.H33", Title: "Biên nhận",
				DocumentType: "bien-nhan", Date: start.Add(time.Duration(i) * time.Hour), Page: 1, Text: text})
			if len(batch) == 600 {
				if err := idx.Add(ctx, batch); err != nil {
					t.Fatal(err)
				}
				batch = nil
			}
		}
		for _, q := range []string{"Bến Nghé", "ben nghe"} {
			for page, want := range map[int]int{1: 2999, 2: 2999 - 20} {
				newestHits(t, idx, q, page, want, 3000)
			}
		}
	})
}

// newestHits checks that page (of 20 hits) of query q lists the pages
// numbered want, want-1... (the last digits of their dossier codes) and
// counts total matches.
func newestHits(t *testing.T, idx index.Searcher, q string, page, want, total int) {
	t.Helper()
	res, err := idx.Search(context.Background(), index.Query{Text: q, Page: page, PerPage: 20})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, h := range res.Hits {
		got = append(got, h.DossierCode[len(h.DossierCode)-4:])
		if w := fmt.Sprintf("%04d", want-i); got[i] != w {
			t.Errorf("%q page %d: hit %d is %s, want %s (hits %v)", q, page, i, got[i], w, got)
			break
		}
	}
	if len(res.Hits) != 20 || res.Total != min(total, index.MaxCount) || res.Capped != (total > index.MaxCount) {
		t.Errorf("%q page %d: %d hits of %d (capped %v), want 20 of %d", q, page, len(res.Hits), res.Total, res.Capped, total)
	}
}

// TestSearchSlices: on PostgreSQL the newest matches are read in windows
// of the newest id slices (4,096 ids each), widened as the density seen
// asks. Here the ids skip ahead between batches, so the matches spread
// over many slices behind newer slices holding none, and the one exact
// match of a query is the oldest page, far below them. The hits are still
// the best level first, then the newest matches in order, page after page,
// and the count is exact.
func TestSearchSlices(t *testing.T) {
	ctx := context.Background()
	db := storagetest.OpenDB(t, storage.Postgres)
	idx := storagetest.Open(t, db, index.Open)
	start := time.Date(2020, 1, 1, 8, 0, 0, 0, time.UTC)
	add := func(i int, text string) index.PageText {
		return index.PageText{ResultCode: fmt.Sprintf("000.00.31.H33-200101-%04d-KQ1", i),
			DossierCode: fmt.Sprintf("000.00.31.H33-200101-%04d", i), AgencyCode: "000.00.31.H33", Title: "Biên nhận",
			DocumentType: "bien-nhan", Date: start.Add(time.Duration(i) * time.Hour), Page: 1, Text: text}
	}
	addBatch := func(batch []index.PageText, skip int) {
		t.Helper()
		if err := idx.Add(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `SELECT setval('search_pages_id_seq', nextval('search_pages_id_seq') + $1)`, skip); err != nil {
			t.Fatal(err)
		}
	}
	// The searches' expression is the index's: otherwise PostgreSQL
	// would read the whole table.
	var plan strings.Builder
	rows, err := db.QueryContext(ctx, `EXPLAIN SELECT p.id FROM search_pages p WHERE `+index.SlicedWords+` @@ 'x'::tsquery`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	rows.Close()
	if !strings.Contains(plan.String(), "search_pages_words_slice") {
		t.Errorf("the searches' tsvector expression is not the index's:\n%s", plan.String())
	}
	addBatch([]index.PageText{add(0, "Kính gửi Sở Tài chính tỉnh Kiên Giang.")}, 5000)
	var batch []index.PageText
	for i := 1; i <= 3600; i++ {
		text := fmt.Sprintf("Biên nhận hồ sơ số %d, phường Bến Nghé, Quận 1. Đủ điều kiện; sông Trường Giang.", i)
		if i > 3000 {
			text = fmt.Sprintf("Biên bản họp tổ dân phố số %d.", i)
		}
		batch = append(batch, add(i, text))
		switch {
		case i <= 3000 && len(batch) == 20: // 20 matches a slice
			addBatch(batch, 4096)
			batch = nil
		case len(batch) == 200: // then 3 slices without any
			addBatch(batch, 4096)
			batch = nil
		}
	}
	for _, q := range []string{"Bến Nghé", "ben nghe"} {
		for page, want := range map[int]int{1: 3000, 2: 3000 - 20, 10: 3000 - 180} {
			newestHits(t, idx, q, page, want, 3000)
		}
	}
	res, err := idx.Search(ctx, index.Query{Text: "Kiên Giang"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range res.Hits[:min(3, len(res.Hits))] {
		got = append(got, h.DossierCode[len(h.DossierCode)-4:])
	}
	if fmt.Sprint(got) != "[0000 3000 2999]" || !res.Capped {
		t.Errorf("Kiên Giang: first %v of %d, want [0000 3000 2999] of more than %d", got, res.Total, index.MaxCount)
	}
	// Fewer matches than MaxCount, all among the newest slices: counted
	// exactly.
	newestHits(t, idx, "họp tổ dân phố", 1, 3600, 600)
}

// TestSearchPhraseOrder: a page holding every pair of a phrase's words
// but not the phrase (PostgreSQL finds it by the pairs, then checks word
// order) is not a match of the quoted phrase, is one of an exclusion of
// it, and comes after the page with the words together when typed without
// quotes.
func TestSearchPhraseOrder(t *testing.T) {
	engines(t, func(t *testing.T, idx index.Searcher) {
		ctx := context.Background()
		pages := []index.PageText{
			rankPage("000.00.31.H33-200101-0001-KQ1", "2020-01-01", "Công văn", "Giấy chứng nhận quyền sử dụng đất."),
			rankPage("000.00.31.H33-200101-0002-KQ1", "2021-01-01", "Công văn", "Giấy chứng minh nhân dân; chứng nhận hộ khẩu."),
		}
		if err := idx.Add(ctx, pages); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]string{
			`"giấy chứng nhận"`:        "[200101-0001]",
			`chứng -"giay chung nhan"`: "[200101-0002]",
			`giay chung nhan`:          "[200101-0001 200101-0002]",
		} {
			res, err := idx.Search(ctx, index.Query{Text: q})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range res.Hits {
				got = append(got, strings.TrimPrefix(strings.TrimSuffix(h.ResultCode, "-KQ1"), "000.00.31.H33-"))
			}
			if fmt.Sprint(got) != want || res.Total != len(got) {
				t.Errorf("%s: %v of %d, want %s", q, got, res.Total, want)
			}
		}
	})
}
