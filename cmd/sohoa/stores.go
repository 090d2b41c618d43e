package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/sohoa/sohoa/ingest"
	paperstack "github.com/sohoa/sohoa/ingest/stack"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/catalog"
	"github.com/sohoa/sohoa/storage/index"
	"github.com/sohoa/sohoa/workers"
)

// stores are what a serving or working process keeps: the database with
// the records, review log, search index and archival catalog in it, and
// the blob store. serve, demo and watch (through openStack) and worker open
// them the same way, so a process of either kind comes up against the same
// engines in the same state.
type stores struct {
	db      *storage.DB
	records *storage.SQLRecords
	review  *storage.ReviewRecords
	index   index.Searcher
	catalog *catalog.Catalog
	blobs   storage.Blobs
}

// openStores opens the database at dbURL and the blob store at blobURL,
// waiting for an engine that does not answer yet (waitEngine) and migrating
// each part. Blob calls ride out short outages (a MinIO restart) instead of
// failing. On error it closes what it opened.
func openStores(ctx context.Context, log *slog.Logger, dbURL, blobURL string) (s stores, err error) {
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if err = waitEngine(ctx, log, "the database", redactedHost(dbURL), func(ctx context.Context) (err error) {
		s.db, err = storage.OpenDB(ctx, dbURL)
		return err
	}); err != nil {
		return s, err
	}
	if err = s.openParts(ctx); err != nil {
		return s, err
	}
	rp := storage.DefaultRetry
	rp.MaxElapsed = 2 * time.Minute
	rp.Log = log
	err = waitEngine(ctx, log, "the blob store", redactedHost(blobURL), func(ctx context.Context) (err error) {
		s.blobs, err = storage.OpenBlobs(ctx, blobURL, storage.WithRetry(rp))
		return err
	})
	return s, err
}

// openParts opens (and migrates) what lives in s.db: the records, the
// review log, the search index and the archival catalog.
func (s *stores) openParts(ctx context.Context) (err error) {
	if s.records, err = storage.OpenRecords(ctx, s.db); err != nil {
		return err
	}
	if s.review, err = storage.OpenReviewRecords(ctx, s.db); err != nil {
		return err
	}
	if s.index, err = index.Open(ctx, s.db); err != nil {
		return err
	}
	s.catalog, err = catalog.Open(ctx, s.db)
	return err
}

// Close closes the records and the database under them; the other parts
// hold nothing of their own.
func (s *stores) Close() {
	if s.records != nil {
		s.records.Close()
		s.records = nil
	}
	if s.db != nil {
		s.db.Close()
		s.db = nil
	}
}

// newRunner makes the runner cfg describes on these stores (cfg gives the
// rest: queue, OCR pool, signing, events...), with the intake (within
// limits) and the stack splitter (spooling in spool) through which its
// stack jobs submit the dossiers they find. The intake and the splitter
// queue through the runner, whose stack jobs run the splitter: both are
// wired to it once it exists. The splitter reads receipts with cfg.OCR
// when there is one. serve, demo and watch (openStack) and worker build
// their runner this way.
func (s *stores) newRunner(ctx context.Context, cfg workers.Config, limits ingest.Limits, spool string) (*workers.Runner, *ingest.Intake, *paperstack.Splitter, error) {
	intake := &ingest.Intake{Records: s.records, Blobs: s.blobs, Limits: limits, Log: cfg.Logger}
	stackRecords, err := storage.OpenStackRecords(ctx, s.db)
	if err != nil {
		return nil, nil, nil, err
	}
	stacks := &paperstack.Splitter{Intake: intake, Records: stackRecords, SpoolDir: spool, Log: cfg.Logger}
	if cfg.OCR != nil {
		stacks.Text = paperstack.OCRText{Pool: cfg.OCR}
	}
	cfg.Records, cfg.Blobs, cfg.Index, cfg.Review, cfg.Catalog, cfg.Stacks = s.records, s.blobs, s.index, s.review, s.catalog, stacks
	r, err := workers.New(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	intake.Queue, stacks.Queue = r, r
	return r, intake, stacks, nil
}
