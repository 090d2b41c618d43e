package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/pdf/pdftest"
	"github.com/sohoa/sohoa/storage"
)

// onePage is a pdf.PageSource of one small JPEG page.
type onePage struct{ img ocr.Image }

func (p onePage) Len() int { return 1 }
func (p onePage) Page(context.Context, int) (pdf.Page, error) {
	return pdf.Page{Image: p.img, Result: ocr.Result{Page: 1, DPI: 150, DPIKnown: true}}, nil
}

// deskDocuments puts n assembled, unsigned PDF/A documents in the desk's
// queue for official at station, as the document job leaves them.
func deskDocuments(b *testing.B, ts *testStack, station, official string, n int) []string {
	b.Helper()
	ctx := context.Background()
	gray := image.NewGray(image.Rect(0, 0, 1240, 1754))
	for i := range gray.Pix {
		gray.Pix[i] = byte(200 + i%50)
	}
	var jb bytes.Buffer
	jpeg.Encode(&jb, gray, &jpeg.Options{Quality: 60})
	var doc bytes.Buffer
	if err := pdf.Assemble(ctx, &doc, onePage{ocr.Image{Encoding: ocr.JPEG, Mode: ocr.Gray, Width: 1240, Height: 1754, BitsPerComponent: 8, Data: jb.Bytes()}},
		pdf.AssembleOptions{Conformance: pdf.PDFA1B, KeepJPEGCoding: true}); err != nil {
		b.Fatal(err)
	}
	sum := sha256.Sum256(doc.Bytes())
	hexSum := hex.EncodeToString(sum[:])
	recs, err := storage.OpenSigningRecords(ctx, ts.db)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var paths []string
	for i := range n {
		paths = append(paths, page(b, dir, fmt.Sprintf("p%d.jpg", i), i+1))
	}
	var ids []string
	for i := range n {
		bt, _, err := ts.intake.Submit(ctx, &dossier.Token{ID: "bench", Role: dossier.RoleAdmin, Name: station},
			&ingest.Manifest{DossierCode: testDossier, Title: "Hồ sơ", Station: station, Operator: official, Pages: []string{"p.jpg"}, AllowDuplicate: true},
			map[string]ingest.File{"p.jpg": fileOf(b, paths[i])})
		if err != nil {
			b.Fatal(err)
		}
		code, err := ts.records.ReserveResultCode(ctx, bt.ID)
		if err != nil {
			b.Fatal(err)
		}
		key := "bench/" + code + ".pdf"
		if _, err := ts.blobs.Put(ctx, key, bytes.NewReader(doc.Bytes()), int64(doc.Len()), "application/pdf", hexSum); err != nil {
			b.Fatal(err)
		}
		r, _, err := recs.CreateRequest(ctx, &dossier.SigningRequest{BatchID: bt.ID, DossierCode: testDossier, ResultCode: code, Pages: 1,
			Station: station, Official: official, Mode: dossier.SignDesk, BaseKey: key, BaseSHA256: hexSum, Deadline: time.Now().Add(time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

// BenchmarkDeskSession50: one desk session signs 50 waiting documents with
// the official's token (SoftHSM2) through the API: prepare, sign on the
// token, upload; the server builds the CMS, timestamps, verifies, stores
// and links each (embedded stack). The peer in the same run is the
// server signing the same 50 documents itself with a PKCS#12 key
// (server mode). Reported: seconds for the 50 (the target is under 60)
// and the ratio to the peer.
func BenchmarkDeskSession50(b *testing.B) {
	const n, official = 50, "Nguyễn Thị Thủy Tiên"
	p, err := pdftest.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	tsa := p.TSA(b)
	trust := b.TempDir()
	os.WriteFile(filepath.Join(trust, "root.pem"), p.CAPEM(), 0o644)
	pdftest.NewSoftHSM(b)
	cert, key, err := p.Official(official, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	pdftest.SoftHSMToken(b, "tien", "1234", key, cert)
	c := stackConfig{pdfa: "1b"}
	c.sign.TSAURL = tsa
	c.desk.modes.Add("station:quay-ky=desk")
	c.desk.trustDir, c.desk.deadline = trust, time.Hour
	ts := startStack(b, c)
	token := ts.token(b, dossier.RoleStation, "quay-ky")
	p12, pass, err := p.WriteP12(b.TempDir(), "x")
	if err != nil {
		b.Fatal(err)
	}
	server, err := pdf.SignerConfig{P12File: p12, PassFile: pass, TSAURL: tsa}.Open(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer server.Close()
	ctx := context.Background()
	var desk, peer time.Duration
	for range b.N {
		b.StopTimer()
		ids := deskDocuments(b, ts, "quay-ky", official, n)
		tk, err := pdf.OpenTokenKey(pdf.TokenConfig{Module: pdftest.SoftHSM, Token: "tien"}, "1234") // the PIN prompt, not timed
		if err != nil {
			b.Fatal(err)
		}
		cl := &ingest.Client{Server: ts.url, Token: token}
		b.StartTimer()
		start := time.Now()
		for _, id := range ids {
			if _, err := signOne(ctx, cl, tk, tk.Chain(), dossier.SigningRequest{ID: id}); err != nil {
				b.Fatal(err)
			}
		}
		desk += time.Since(start)
		b.StopTimer()
		tk.Close()

		// The peer: the server's own key over the same unsigned file, 50 times.
		r, _ := ts.runner.Desk().Request(ctx, ids[0])
		rc, _, err := ts.blobs.Get(ctx, r.BaseKey)
		if err != nil {
			b.Fatal(err)
		}
		var base bytes.Buffer
		base.ReadFrom(rc)
		rc.Close()
		start = time.Now()
		for range n {
			f, _ := os.CreateTemp(b.TempDir(), "peer-*.pdf")
			f.Write(base.Bytes())
			if err := server.Sign(ctx, f); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		peer += time.Since(start)
	}
	b.ReportMetric(desk.Seconds()/float64(b.N), "s/50docs")
	b.ReportMetric(peer.Seconds()/float64(b.N), "peer_s/50docs")
	b.ReportMetric(desk.Seconds()/peer.Seconds(), "ratio")
}
