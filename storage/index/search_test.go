package index_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// engines runs a test against the embedded (SQLite) and the distributed
// (PostgreSQL) index, each in a fresh database.
func engines(t *testing.T, f func(t *testing.T, idx index.Searcher)) {
	for _, d := range storagetest.Dialects {
		t.Run(string(d), func(t *testing.T) { f(t, openIndex(t, d)) })
	}
}

func openIndex(tb testing.TB, d storage.Dialect) index.Searcher {
	tb.Helper()
	return storagetest.Open(tb, storagetest.OpenDB(tb, d), index.Open)
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

const (
	r1 = "000.00.31.H33-220804-0001-KQ01"
	r2 = "000.00.12.H29-230115-0042-KQ01"
	r3 = "000.00.31.H33-240301-0007-KQ02"
)

// fixture is a few pages as OCR gives them: capitals, line breaks, an NFD
// page, đ and its d spelling.
func fixture() []index.PageText {
	return slices.Concat(
		pagesOf(index.PageText{ResultCode: r1, DossierCode: "000.00.31.H33-220804-0001", AgencyCode: "000.00.31.H33",
			Title: "Giấy chứng nhận đăng ký hộ kinh doanh", DocumentType: "giay-chung-nhan", Date: day("2022-08-04")},
			"ỦY BAN NHÂN DÂN QUẬN 1\nGIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH\nMã hồ sơ: 000.00.31.H33-220804-0001\nCấp cho bà Nguyễn Thị Thủy Tiên, sinh năm 1985.",
			"Địa chỉ: số 12 đường Lê Lợi, phường Bến Nghé, quận 1, Thành phố Hồ Chí Minh.\nNgành nghề: bán lẻ."),
		pagesOf(index.PageText{ResultCode: r2, DossierCode: "000.00.12.H29-230115-0042", AgencyCode: "000.00.12.H29",
			Title: "Quyết định xử phạt vi phạm hành chính", DocumentType: "quyet-dinh", Date: day("2023-01-15")},
			norm.NFD.String("QUYẾT ĐỊNH xử phạt ông Trần Văn Đức, địa chỉ đường Điện Biên Phủ, Hà Nội."),
			"Số tiền phạt: 5.000.000 đồng. Ông Tran Van Duc đã nộp đủ."),
		pagesOf(index.PageText{ResultCode: r3, DossierCode: "000.00.31.H33-240301-0007", AgencyCode: "000.00.31.H33",
			Title: "Giấy chứng nhận quyền sử dụng đất", DocumentType: "giay-chung-nhan", Date: day("2024-03-01")},
			"Giấy chứng nhận quyền sử dụng đất cấp cho ông Nguyễn Văn Dũng và bà Nguyễn Thị Thủy Tiên."),
	)
}

// pagesOf gives the pages of one result, numbered from 1, each carrying
// the result's fields as given in result.
func pagesOf(result index.PageText, texts ...string) []index.PageText {
	pages := make([]index.PageText, len(texts))
	for i, text := range texts {
		pages[i] = result
		pages[i].Page, pages[i].Text = i+1, text
	}
	return pages
}

func loaded(t *testing.T, idx index.Searcher) {
	t.Helper()
	if err := idx.Add(context.Background(), fixture()); err != nil {
		t.Fatal(err)
	}
}

// found lists the hits as "result#page", sorted.
func found(t *testing.T, idx index.Searcher, q index.Query) []string {
	t.Helper()
	res, err := idx.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, fmt.Sprintf("%s#%d", h.ResultCode, h.Page))
	}
	slices.Sort(out)
	if res.Total != len(out) {
		t.Errorf("search %q: total %d, %d hits", q.Text, res.Total, len(out))
	}
	return out
}

func TestSearchMatching(t *testing.T) {
	engines(t, func(t *testing.T, idx index.Searcher) {
		loaded(t, idx)
		p := func(code string, page int) string { return fmt.Sprintf("%s#%d", code, page) }
		for _, tc := range []struct {
			name, q string
			want    []string
		}{
			{"no diacritics", "nguyen thi thuy tien", []string{p(r1, 1), p(r3, 1)}},
			{"diacritics", "Nguyễn Thị Thủy Tiên", []string{p(r1, 1), p(r3, 1)}},
			{"upper case", "NGUYEN THI THUY TIEN", []string{p(r1, 1), p(r3, 1)}},
			{"NFD query", norm.NFD.String("Nguyễn Thị Thủy Tiên"), []string{p(r1, 1), p(r3, 1)}},
			{"d finds đ and d", "duc", []string{p(r2, 1), p(r2, 2)}},
			{"đ finds đ and d", "Đức", []string{p(r2, 1), p(r2, 2)}},
			{"NFD page", "điện biên phủ", []string{p(r2, 1)}},
			{"phrase", `"thuy tien"`, []string{p(r1, 1), p(r3, 1)}},
			{"phrase order", `"tien thuy"`, nil},
			{"phrase three words", `"nguyễn văn dũng"`, []string{p(r3, 1)}},
			{"prefix (title counts)", "chứng nh*", []string{p(r1, 1), p(r1, 2), p(r3, 1)}},
			{"prefix alone", "phuon*", []string{p(r1, 2)}},
			{"prefix beside a word", "nguyen dun*", []string{p(r3, 1)}},
			{"prefix phrase beside a word", `nguyen "van d"*`, []string{p(r3, 1)}},
			{"or", `"le loi" OR "dien bien phu"`, []string{p(r2, 1), p(r1, 2)}},
			{"exclude", `"thuy tien" -đất`, []string{p(r1, 1)}},
			{"exclude phrase", `tien -"su dung"`, []string{p(r2, 2), p(r1, 1)}},
			{"dossier code", "000.00.31.H33-220804-0001", []string{p(r1, 1), p(r1, 2)}},
			{"result code", r2, []string{p(r2, 1), p(r2, 2)}},
			{"code parts in text", `"h33 220804"`, []string{p(r1, 1)}},
			{"number", "5.000.000", []string{p(r2, 2)}},
			{"words are not operators", "or", nil},
			{"no match", "xyzzy", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := found(t, idx, index.Query{Text: tc.q}); !slices.Equal(got, tc.want) {
					t.Errorf("%q found %v, want %v", tc.q, got, tc.want)
				}
			})
		}
	})
}

func TestSearchFilters(t *testing.T) {
	engines(t, func(t *testing.T, idx index.Searcher) {
		loaded(t, idx)
		p := func(code string, page int) string { return fmt.Sprintf("%s#%d", code, page) }
		for _, tc := range []struct {
			name string
			q    index.Query
			want []string
		}{
			{"agency", index.Query{Text: "nguyen", AgencyCode: "000.00.31.H33"}, []string{p(r1, 1), p(r3, 1)}},
			{"agency other", index.Query{Text: "nguyen", AgencyCode: "000.00.12.H29"}, nil},
			{"dossier", index.Query{Text: "thuy tien", DossierCode: "000.00.31.H33-240301-0007"}, []string{p(r3, 1)}},
			{"type", index.Query{Text: "duc OR tien", DocumentType: "quyet-dinh"}, []string{p(r2, 1), p(r2, 2)}},
			{"from", index.Query{Text: "thuy tien", From: day("2023-01-01")}, []string{p(r3, 1)}},
			{"to inclusive", index.Query{Text: "thuy tien", To: day("2022-08-04")}, []string{p(r1, 1)}},
			{"range", index.Query{Text: "tien OR duc", From: day("2023-01-01"), To: day("2023-12-31")}, []string{p(r2, 1), p(r2, 2)}},
			{"range over months", index.Query{Text: "tien OR duc", From: day("2022-08-31"), To: day("2023-01-15")}, []string{p(r2, 1), p(r2, 2)}},
			{"range to month end", index.Query{Text: "thuy tien", From: day("2022-07-31"), To: day("2022-08-04")}, []string{p(r1, 1)}},
			{"agency, type and range", index.Query{Text: "thuy tien", AgencyCode: "000.00.31.H33", DocumentType: "giay-chung-nhan",
				From: day("2020-01-01"), To: day("2024-12-31")}, []string{p(r1, 1), p(r3, 1)}},
			{"filters only", index.Query{DossierCode: "000.00.31.H33-220804-0001"}, []string{p(r1, 1), p(r1, 2)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := found(t, idx, tc.q); !slices.Equal(got, tc.want) {
					t.Errorf("%+v found %v, want %v", tc.q, got, tc.want)
				}
			})
		}
		_, err := idx.Search(context.Background(), index.Query{Text: "a", From: day("2024-01-02"), To: day("2024-01-01")})
		if !errors.Is(err, index.ErrQuery) {
			t.Errorf("reversed range: err = %v, want ErrQuery", err)
		}
		if _, err := idx.Search(context.Background(), index.Query{Text: "-tien"}); !errors.Is(err, index.ErrQuery) {
			t.Errorf("only an exclusion: err = %v, want ErrQuery", err)
		}
	})
}

func TestSearchHit(t *testing.T) {
	engines(t, func(t *testing.T, idx index.Searcher) {
		loaded(t, idx)
		res, err := idx.Search(context.Background(), index.Query{Text: "NGUYEN THI THUY TIEN", DossierCode: "000.00.31.H33-220804-0001"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 1 {
			t.Fatalf("hits = %+v", res.Hits)
		}
		h := res.Hits[0]
		want := index.Hit{ResultCode: r1, DossierCode: "000.00.31.H33-220804-0001", AgencyCode: "000.00.31.H33",
			Title: "Giấy chứng nhận đăng ký hộ kinh doanh", DocumentType: "giay-chung-nhan", Date: day("2022-08-04"), Page: 1,
			Score: h.Score, Snippet: h.Snippet}
		if h != want {
			t.Errorf("hit = %+v\nwant %+v", h, want)
		}
		if h.Score <= 0 {
			t.Errorf("score = %v, want > 0", h.Score)
		}
		// The snippet shows the original words, with diacritics, marked.
		if !strings.Contains(h.Snippet, "<mark>Nguyễn Thị Thủy Tiên</mark>") {
			t.Errorf("snippet = %s", h.Snippet)
		}
		// The NFD page is shown in NFC, its đ highlighted.
		res, err = idx.Search(context.Background(), index.Query{Text: "tran van duc", DocumentType: "quyet-dinh"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 2 {
			t.Fatalf("hits = %+v", res.Hits)
		}
		for _, h := range res.Hits {
			if !strings.Contains(h.Snippet, "<mark>Trần Văn Đức</mark>") && !strings.Contains(h.Snippet, "<mark>Tran Van Duc</mark>") {
				t.Errorf("snippet = %s", h.Snippet)
			}
		}
	})
}

func TestSearchReplaceDelete(t *testing.T) {
	engines(t, func(t *testing.T, idx index.Searcher) {
		ctx := context.Background()
		loaded(t, idx)
		// Adding a result again replaces all of its pages.
		again := fixture()[:1]
		again[0].Text = "Trang đã sửa: bà Lâm Thị Mỹ Dung."
		if err := idx.Add(ctx, again); err != nil {
			t.Fatal(err)
		}
		if got := found(t, idx, index.Query{DossierCode: "000.00.31.H33-220804-0001"}); !slices.Equal(got, []string{r1 + "#1"}) {
			t.Errorf("after re-add: %v", got)
		}
		if got := found(t, idx, index.Query{Text: "lam thi my dung"}); !slices.Equal(got, []string{r1 + "#1"}) {
			t.Errorf("new text: %v", got)
		}
		if got := found(t, idx, index.Query{Text: "le loi"}); got != nil {
			t.Errorf("old page 2 still found: %v", got)
		}
		if err := idx.Delete(ctx, r2); err != nil {
			t.Fatal(err)
		}
		if got := found(t, idx, index.Query{Text: "duc"}); got != nil {
			t.Errorf("deleted result still found: %v", got)
		}
		if err := idx.Delete(ctx, "no-such-result"); err != nil {
			t.Errorf("delete missing: %v", err)
		}
	})
}

func TestSearchPagination(t *testing.T) {
	engines(t, func(t *testing.T, idx index.Searcher) {
		ctx := context.Background()
		var pages []index.PageText
		for i := range 25 {
			text := "Biên nhận hồ sơ. Người nộp: Phạm Minh Châu."
			if i%5 == 0 {
				text = "Biên nhận hồ sơ. Người nộp: Phạm Minh Châu. Phạm Minh Châu ký tên, Phạm Minh Châu."
			}
			pages = append(pages, index.PageText{ResultCode: fmt.Sprintf("000.00.01.H01-250101-%04d-KQ01", 25-i%7),
				DossierCode: "d", AgencyCode: "a", Page: i + 1, Text: text, Date: day("2025-01-01")})
		}
		// One Add per result, as the workers do.
		byCode := map[string][]index.PageText{}
		for _, p := range pages {
			byCode[p.ResultCode] = append(byCode[p.ResultCode], p)
		}
		for _, ps := range byCode {
			if err := idx.Add(ctx, ps); err != nil {
				t.Fatal(err)
			}
		}
		all, err := idx.Search(ctx, index.Query{Text: "pham minh chau", PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		if all.Total != 25 || len(all.Hits) != 25 {
			t.Fatalf("total %d, hits %d, want 25", all.Total, len(all.Hits))
		}
		// Best first, ties by date (newest first), result code, then page.
		if !slices.IsSortedFunc(all.Hits, func(a, b index.Hit) int {
			if a.Score != b.Score {
				if a.Score > b.Score {
					return -1
				}
				return 1
			}
			if c := b.Date.Compare(a.Date); c != 0 {
				return c
			}
			if c := strings.Compare(a.ResultCode, b.ResultCode); c != 0 {
				return c
			}
			return a.Page - b.Page
		}) {
			t.Errorf("order is not score, result code, page: %+v", all.Hits)
		}
		if all.Hits[0].Score <= all.Hits[24].Score {
			t.Errorf("pages naming Châu three times do not rank first: %+v", all.Hits[0])
		}
		var paged []index.Hit
		for n := 1; n <= 3; n++ {
			res, err := idx.Search(ctx, index.Query{Text: "pham minh chau", Page: n, PerPage: 10})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 25 || res.Page != n || res.PerPage != 10 {
				t.Errorf("page %d: total %d page %d per_page %d", n, res.Total, res.Page, res.PerPage)
			}
			paged = append(paged, res.Hits...)
		}
		if !slices.Equal(paged, all.Hits) {
			t.Errorf("pages 1-3 of 10 differ from one page of 100")
		}
		res, err := idx.Search(ctx, index.Query{Text: "pham minh chau", Page: 4, PerPage: 10})
		if err != nil || len(res.Hits) != 0 || res.Total != 25 {
			t.Errorf("past the end: %+v, %v", res, err)
		}
	})
}

func TestSearchCapped(t *testing.T) {
	engines(t, func(t *testing.T, idx index.Searcher) {
		ctx := context.Background()
		var pages []index.PageText
		for i := range index.MaxCount + 5 {
			pages = append(pages, index.PageText{ResultCode: fmt.Sprintf("R%05d", i), DossierCode: "d", AgencyCode: "a", Page: 1,
				Text: "Biên nhận hồ sơ số " + fmt.Sprint(i)})
		}
		if err := idx.Add(ctx, pages); err != nil {
			t.Fatal(err)
		}
		for _, q := range []index.Query{{Text: "bien nhan"}, {AgencyCode: "a"}} {
			res, err := idx.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != index.MaxCount || !res.Capped || len(res.Hits) != index.DefaultPerPage {
				t.Errorf("%+v: total %d capped %v hits %d; want %d, true, %d", q, res.Total, res.Capped, len(res.Hits), index.MaxCount, index.DefaultPerPage)
			}
			q.Page, q.PerPage = index.MaxHits/100, 100
			if res, err := idx.Search(ctx, q); err != nil || len(res.Hits) != 100 {
				t.Errorf("last page: %v", err)
			}
			q.Page++
			if _, err := idx.Search(ctx, q); !errors.Is(err, index.ErrQuery) {
				t.Errorf("past MaxHits: err = %v, want ErrQuery", err)
			}
		}
		if res, err := idx.Search(ctx, index.Query{Text: "bien nhan 17"}); err != nil || res.Total != 1 || res.Capped {
			t.Errorf("narrow query: %+v, %v", res, err)
		}
	})
}
