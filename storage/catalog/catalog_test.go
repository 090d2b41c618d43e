package catalog_test

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/ocr/archival"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/catalog"
	"github.com/sohoa/sohoa/storage/index"
	"github.com/sohoa/sohoa/storage/storagetest"
)

func field(v string) *archival.Field { return &archival.Field{Value: v, Confidence: 0.95, Page: 1} }

// docs are three results' documents: KQ1 a decision of Hà Giang, KQ2 a
// letter of Đà Nẵng and a plan, KQ3 a decision whose date could not be read.
func docs() map[string][]archival.Document {
	return map[string][]archival.Document{
		"D-KQ1": {{FirstPage: 1, LastPage: 2, Metadata: archival.Metadata{
			DocType: field("QUYẾT ĐỊNH"), Number: field("143/QĐ-UBND"), Agency: field("ỦY BAN NHÂN DÂN TỈNH HÀ GIANG"),
			Date: field("2024-03-05"), Signer: field("Nguyễn Văn Sơn"),
			Summary: &archival.Field{Value: "Về việc phê duyệt", Confidence: 0.97, Page: 1,
				Boxes: []ocr.Box{{X0: 10, Y0: 20, X1: 40, Y1: 32}}},
			Recipients: []archival.Field{*field("Như Điều 3"), *field("Lưu: VT")},
		}}},
		"D-KQ2": {
			{FirstPage: 1, LastPage: 1, Metadata: archival.Metadata{DocType: field("CÔNG VĂN"), Number: field("25/STC-NS"),
				Agency: field("SỞ TÀI CHÍNH THÀNH PHỐ ĐÀ NẴNG"), Date: field("2025-11-20"), Signer: field("Trần Thị Thu")}},
			{FirstPage: 2, LastPage: 4, NeedsReview: true, Metadata: archival.Metadata{DocType: field("KẾ HOẠCH"),
				Number: &archival.Field{Unreadable: true, Handwritten: true, Confidence: 0.2, Page: 2},
				Agency: field("SỞ TÀI CHÍNH THÀNH PHỐ ĐÀ NẴNG"), Date: field("2025-12-01")}},
		},
		"D-KQ3": {{FirstPage: 1, LastPage: 1, NeedsReview: true, Metadata: archival.Metadata{DocType: field("QUYẾT ĐỊNH"),
			Number: field("7/QĐ-UBND"), Agency: field("UBND HUYỆN ĐỒNG VĂN"),
			Date: &archival.Field{Unreadable: true, Confidence: 0.1, Page: 1}, Signer: field("Nguyễn Văn Sơn")}}},
	}
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCatalog(t *testing.T) {
	storagetest.ForEachDialect(t, func(t *testing.T, ctx context.Context, db *storage.DB) {
		cat := storagetest.Open(t, db, catalog.Open)
		idx := storagetest.Open(t, db, index.Open)
		want := docs()
		for code, ds := range want {
			// Set twice: the second replaces the first.
			if err := cat.Set(ctx, catalog.Result{Code: code, DossierCode: "D", BatchID: "B" + code}, ds[:1]); err != nil {
				t.Fatal(err)
			}
			if err := cat.Set(ctx, catalog.Result{Code: code, DossierCode: "D", BatchID: "B" + code}, ds); err != nil {
				t.Fatal(err)
			}
			if err := idx.Add(ctx, []index.PageText{{ResultCode: code, DossierCode: "D", Page: 1, Text: "quyết định phê duyệt kế hoạch"}}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := cat.Documents(ctx, "D-KQ2")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want["D-KQ2"]) {
			t.Errorf("Documents(D-KQ2) = %+v, want %+v", got, want["D-KQ2"])
		}
		if got, _ := cat.Documents(ctx, "D-KQ9"); got == nil || len(got) != 0 {
			t.Errorf("Documents of an unknown result = %#v, want empty", got)
		}
		all, err := cat.DossierDocuments(ctx, "D")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(all, want) {
			t.Errorf("DossierDocuments = %+v, want %+v", all, want)
		}
		for batch, want := range map[string]map[int][]string{
			"BD-KQ1": {}, "BD-KQ2": {2: {"number"}}, "BD-KQ3": {1: {"date"}},
		} {
			got, err := cat.UnsureFields(ctx, batch)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("UnsureFields(%s) = %v, want %v", batch, got, want)
			}
		}

		for _, tc := range []struct {
			name string
			f    catalog.Filter
			text string
			want []string
		}{
			{"type without marks", catalog.Filter{Type: "quyet dinh"}, "", []string{"D-KQ1", "D-KQ3"}},
			{"type is the whole heading", catalog.Filter{Type: "quyết"}, "", nil},
			{"number part", catalog.Filter{Number: "143"}, "", []string{"D-KQ1"}},
			{"number whole", catalog.Filter{Number: "7/QĐ-UBND"}, "", []string{"D-KQ3"}},
			{"number is whole words", catalog.Filter{Number: "14"}, "", nil},
			{"agency words", catalog.Filter{Agency: "da nang"}, "", []string{"D-KQ2"}},
			{"signer", catalog.Filter{Signer: "NGUYỄN VĂN SƠN"}, "", []string{"D-KQ1", "D-KQ3"}},
			{"date range", catalog.Filter{From: day("2025-01-01"), To: day("2025-11-20")}, "", []string{"D-KQ2"}},
			{"unreadable date is outside any range", catalog.Filter{To: day("2030-01-01")}, "", []string{"D-KQ1", "D-KQ2"}},
			// One document must match every condition: the plan of KQ2 is
			// from December, its letter of November a CÔNG VĂN.
			{"conditions on one document", catalog.Filter{Type: "ke hoach", To: day("2025-11-30")}, "", nil},
			{"conditions on one document, matching", catalog.Filter{Type: "ke hoach", From: day("2025-12-01")}, "", []string{"D-KQ2"}},
			{"with text", catalog.Filter{Signer: "nguyen van son"}, "phê duyệt", []string{"D-KQ1", "D-KQ3"}},
			{"with text, no match", catalog.Filter{Agency: "ha giang"}, "khai sinh", nil},
			{"no filter", catalog.Filter{}, "", []string{"D-KQ1", "D-KQ2", "D-KQ3"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := idx.Search(ctx, index.Query{Text: tc.text, Results: tc.f})
				if err != nil {
					t.Fatal(err)
				}
				var codes []string
				for _, h := range res.Hits {
					codes = append(codes, h.ResultCode)
				}
				sort.Strings(codes)
				if !reflect.DeepEqual(codes, tc.want) {
					t.Errorf("hits %v, want %v", codes, tc.want)
				}
				if res.Total != len(tc.want) {
					t.Errorf("total %d, want %d", res.Total, len(tc.want))
				}
			})
		}
	})
}
