package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
)

// runReindex: sohoa reindex [--data DIR | --db URL --s3 URL] rebuilds the
// search index from the stored OCR results of every linked result, as
// the officials' review corrected them.
func runReindex(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("reindex", e.ui.t("Cách dùng: sohoa reindex [--data THƯ_MỤC | --db URL --s3 URL]", "Usage: sohoa reindex [--data DIR | --db URL --s3 URL]")+"\n"+
		e.ui.t("Dựng lại chỉ mục tra cứu từ kết quả OCR đã lưu của mọi kết quả đã liên kết, với các chữ cán bộ đã sửa khi rà soát.", "Rebuilds the search index from the stored OCR results of every linked result, with the corrections officials made in review."))
	data := fs.String("data", envOr("SOHOA_DATA", "sohoa-data"), e.ui.t("thư mục dữ liệu của chế độ nhúng", "data folder of the embedded mode"))
	dbURL := fs.String("db", os.Getenv("SOHOA_DB"), e.ui.t("PostgreSQL (postgres://...; biến SOHOA_DB)", "PostgreSQL URL (postgres://...; env SOHOA_DB)"))
	s3URL := fs.String("s3", os.Getenv("SOHOA_S3"), e.ui.t("MinIO (http://KHÓA:BÍ_MẬT@máy:cổng/bucket; biến SOHOA_S3)", "MinIO URL (http://KEY:SECRET@host:port/bucket; env SOHOA_S3)"))
	if err := parseNoArgs(fs, args, e.ui); err != nil {
		return err
	}
	db := *dbURL
	if db == "" {
		db = storage.DataDBPath(*data)
		if _, err := os.Stat(db); err != nil {
			return noStoreError(*data, "--data THƯ_MỤC, --db URL --s3 URL", "--data DIR, --db URL --s3 URL", err)
		}
	}
	blobURL := *s3URL
	if blobURL == "" {
		blobURL = storage.DataBlobsPath(*data)
	}
	// Opened as serve and worker open them, but without waiting for an
	// engine that does not answer: an admin's one-off command fails at once.
	var st stores
	defer st.Close()
	var err error
	if st.db, err = storage.OpenDB(ctx, db); err != nil {
		return err
	}
	if err := st.openParts(ctx); err != nil {
		return err
	}
	if st.blobs, err = storage.OpenBlobs(ctx, blobURL); err != nil {
		return err
	}
	start, last := time.Now(), time.Now()
	nres, npages, err := index.Rebuild(ctx, st.index, st.records, st.review, st.blobs, func(r, p int) {
		if time.Since(last) > 5*time.Second {
			last = time.Now()
			e.log.Info("reindexing", "results", r, "pages", p)
		}
	})
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(e.stdout, e.ui.t("Đã lập chỉ mục lại %d kết quả, %d trang trong %s.\n", "Reindexed %d results, %d pages in %s.\n"),
		nres, npages, el.Round(time.Millisecond))
	return nil
}
