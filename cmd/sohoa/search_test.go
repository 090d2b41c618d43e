package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
	"github.com/sohoa/sohoa/web"
)

// searchFixture stores, in the embedded data folder dir, one linked
// result of two pages whose OCR results are in the blob store, but does
// not index them: reindex must.
func searchFixture(t *testing.T, dir string) string {
	t.Helper()
	ctx := context.Background()
	db, err := storage.OpenDB(ctx, storage.DataDBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs := storagetest.Records(t, db)
	blobs, err := storage.OpenLocal(storage.DataBlobsPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	return storagetest.StoreResult(t, recs, blobs, dossier.Batch{BatchInfo: dossier.BatchInfo{DossierCode: "000.00.31.H33-220804-0001",
		AgencyCode: "000.00.31.H33", Title: "Giấy chứng nhận đăng ký hộ kinh doanh", DocumentType: "giay-chung-nhan"}},
		[]string{"ỦY BAN NHÂN DÂN QUẬN 1\nGIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "Cấp cho bà Nguyễn Thị Thủy Tiên, địa chỉ số 12 đường Lê Lợi."})
}

func TestSearchAndReindexCommands(t *testing.T) {
	clearCommandEnv(t)
	dir := t.TempDir()
	code := searchFixture(t, dir)

	if c, out, errs := runCmd(t, "search", "--data", dir, "thuy tien"); c != 0 || !strings.Contains(out, "No page found") {
		t.Fatalf("before reindex: exit %d, %q, %q", c, out, errs)
	}
	c, out, errs := runCmd(t, "reindex", "--data", dir)
	if c != 0 || !strings.Contains(out, "Reindexed 1 results, 2 pages") {
		t.Fatalf("reindex: exit %d, %q, %q", c, out, errs)
	}

	// Flags before and after the words; no diacritics typed.
	c, out, errs = runCmd(t, "search", "--data", dir, "nguyen", "thi", "--agency", "000.00.31.H33", "THUY TIEN")
	if c != 0 {
		t.Fatalf("search: exit %d: %s", c, errs)
	}
	for _, want := range []string{"1 page found", "Giấy chứng nhận đăng ký hộ kinh doanh", "dossier 000.00.31.H33-220804-0001",
		"result " + code, "page 2", "Cấp cho bà **Nguyễn Thị Thủy Tiên**, địa chỉ số 12 đường Lê Lợi."} {
		if !strings.Contains(out, want) {
			t.Errorf("search output lacks %q:\n%s", want, out)
		}
	}

	c, out, errs = runCmd(t, "search", "--json", "--data", dir, `"le loi"`)
	var res web.SearchResponse
	if c != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Total != 1 || res.Hits[0].PDFURL != "/v1/results/"+code+"/pdf#page=2" ||
		!strings.Contains(res.Hits[0].Snippet, "<mark>Lê Lợi</mark>") {
		t.Errorf("search --json: exit %d, %s %s", c, out, errs)
	}

	for _, bad := range [][]string{{"search", "--data", dir, "-x"}, {"search", "--data", dir}, {"search", "--data", dir, "--from", "04/08/2022", "a"}} {
		if c, _, errs := runCmd(t, bad...); c != 2 {
			t.Errorf("%v: exit %d (%s), want 2", bad, c, errs)
		}
	}

	// Through a server, with an archivist token.
	ts := startStack(t, stackConfig{data: dir})
	tok := ts.token(t, dossier.RoleArchivist, "lưu trữ")
	c, out, errs = runCmd(t, "search", "--server", ts.url, "--token", tok, "--type", "giay-chung-nhan", "chứng nh*")
	if c != 0 || !strings.Contains(out, "page 1") || !strings.Contains(out, "**CHỨNG NHẬN**") {
		t.Errorf("search --server: exit %d, %q, %q", c, out, errs)
	}
	if c, _, errs := runCmd(t, "search", "--server", ts.url, "--token", "wrong", "a"); c != 1 || !strings.Contains(errs, "HTTP 401") {
		t.Errorf("bad token: exit %d, %q", c, errs)
	}
	// In Vietnamese, the server's own Vietnamese wording (error_vi).
	if c, _, errs := runIn(false, "search", "--server", ts.url, "--token", "wrong", "a"); c != 1 || !strings.Contains(errs, "HTTP 401") || untranslated(errs, false) != nil {
		t.Errorf("bad token in Vietnamese: exit %d, %q %q", c, errs, untranslated(errs, false))
	}
	if c, _, errs := runCmd(t, "search", "--server", ts.url, "--token", tok, "a OR -b"); c != 2 || !strings.Contains(errs, "OR") {
		t.Errorf("bad query via server: exit %d, %q", c, errs)
	}
}
