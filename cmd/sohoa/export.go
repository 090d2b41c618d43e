package main

import (
	"context"
	"errors"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/catalog"
)

// runExport: sohoa export prints the archival metadata of a dossier's
// results (the documents read from their NĐ 30 headers) as JSON, or as the
// XML profile of TT 02/2019/TT-BNV with --xml, from a server or the local
// store.
func runExport(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("export", e.ui.t("Cách dùng: sohoa export "+sourceUsageVI+" [--xml] MÃ_HỒ_SƠ",
		"Usage: sohoa export "+sourceUsageEN+" [--xml] DOSSIER_CODE")+"\n"+
		e.ui.t("In thông tin các văn bản của hồ sơ (loại, số, ký hiệu, ngày, cơ quan ban hành, trích yếu, người ký…) đọc từ các trang đã số hóa: JSON (như GET /v1/dossiers/{mã}/archival.json), hoặc XML theo Thông tư 02/2019/TT-BNV với --xml.",
			"Prints the metadata of the dossier's documents (type, number, date, issuing agency, summary, signer…) read from its digitized pages: JSON (as GET /v1/dossiers/{code}/archival.json), or XML after Circular 02/2019/TT-BNV with --xml."))
	var src sourceFlags
	src.add(fs, e.ui)
	asXML := fs.Bool("xml", false, e.ui.t("in XML theo TT 02/2019/TT-BNV", "print the XML of TT 02/2019/TT-BNV"))
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{e.ui.t("cần đúng một mã hồ sơ", "give exactly one dossier code")}
	}
	x, err := readSource(ctx, e, src,
		func(c *ingest.Client) (*catalog.Export, error) { return c.ArchivalExport(ctx, pos[0]) },
		func(recs *storage.SQLRecords) (*catalog.Export, error) { return localExport(ctx, recs, pos[0]) })
	if err != nil {
		return err
	}
	if *asXML {
		return x.WriteXML(e.stdout, time.Now())
	}
	return e.printJSON(x)
}

// localExport reads a dossier's archival metadata from the local records.
func localExport(ctx context.Context, recs *storage.SQLRecords, code string) (*catalog.Export, error) {
	cat, err := catalog.Open(ctx, recs.DB())
	if err != nil {
		return nil, err
	}
	d, err := recs.Dossier(ctx, code)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, &userError{vi: "không có hồ sơ " + code, en: "no dossier " + code, err: err}
	} else if err != nil {
		return nil, err
	}
	docs, err := cat.DossierDocuments(ctx, code)
	if err != nil {
		return nil, err
	}
	return catalog.NewExport(d, docs), nil
}
