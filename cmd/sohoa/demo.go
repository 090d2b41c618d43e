package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/web"
)

// runDemo runs the embedded system end to end on the sample batch: upload
// through the HTTP API, OCR, signed PDF/A linked to its dossier, indexed;
// it prints where everything is and keeps the search page running.
func runDemo(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("demo", e.ui.t("Cách dùng: sohoa demo [--data THƯ_MỤC] [--addr HOST:CỔNG] [--exit]", "Usage: sohoa demo [--data DIR] [--addr HOST:PORT] [--exit]"))
	var c stackConfig
	c.addFlags(fs, e.ui)
	addr := fs.String("addr", "127.0.0.1:8080", e.ui.t("địa chỉ của trang tra cứu HOST:CỔNG", "address of the search page HOST:PORT"))
	batch := fs.String("batch", filepath.Join("testdata", "sample-batch"), e.ui.t("thư mục lô mẫu (manifest.json + các trang)", "sample batch folder (manifest.json + pages)"))
	exit := fs.Bool("exit", false, e.ui.t("dừng sau khi in kết quả (không giữ trang tra cứu)", "stop after printing (do not keep the search page up)"))
	if err := parseNoArgs(fs, args, e.ui); err != nil {
		return err
	}
	m, paths, err := readDemoBatch(*batch)
	if err != nil {
		return err
	}
	var keys *demoKeys
	if !c.sign.Enabled() {
		keys, err = ensureDemoKeys(filepath.Join(c.data, "demo-keys"))
		if err != nil {
			return err
		}
		c.sign.P12File, c.sign.PassFile = keys.p12, keys.passFile
	}
	c.rate = -1 // the demo polls; no need to limit its own token

	fmt.Fprintln(e.stderr, e.ui.t("Đang khởi động (chế độ nhúng: SQLite, thư mục blob, hàng đợi SQLite)...",
		"Starting (embedded mode: SQLite, blob folder, SQLite queue)..."))
	st, err := openStack(ctx, e.log, c)
	if err != nil {
		return err
	}
	defer st.Close()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	listening := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() {
		served <- st.run(runCtx, web.ListenConfig{Addr: *addr, ShutdownTimeout: 5 * time.Second,
			OnListen: func(a net.Addr) { listening <- a }})
	}()
	var base string
	select {
	case a := <-listening:
		base = baseURL(a, false)
	case err := <-served:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
	secret, err := demoToken(ctx, st, filepath.Join(c.data, "demo-token"))
	if err != nil {
		return err
	}

	cl := &ingest.Client{Server: base, Token: secret, Log: e.log}
	fmt.Fprintf(e.stderr, e.ui.t("Gửi lô mẫu %s (%d tệp) qua API %s...\n", "Uploading the sample batch %s (%d files) through the API %s...\n"), *batch, len(paths), base)
	res, err := cl.Upload(ctx, m, paths)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, e.ui.t("Lô %s: %d trang, đang nhận dạng chữ, dựng PDF/A và ký số...\n", "Batch %s: %d pages, OCR, PDF/A assembly and signing under way...\n"), res.BatchID, res.Pages)
	b, err := waitDemo(ctx, e, cl, res.BatchID, served)
	if err != nil {
		return err
	}
	if b.Status != dossier.BatchDone {
		return fmt.Errorf("%s", e.ui.t("lô xử lý không thành công: "+b.Error, "the batch failed: "+b.Error))
	}
	r, err := st.records.ResultByCode(ctx, b.ResultCode)
	if err != nil {
		return err
	}
	pdfPath := ""
	if l, ok := storage.UnwrapBlobs(st.blobs).(*storage.Local); ok {
		pdfPath = filepath.Join(l.Root(), filepath.FromSlash(r.Key))
	}
	summary := verifySummary(ctx, e, st, r, keys)

	lbl := func(vi, en string) string { return fmt.Sprintf("%-22s", e.ui.t(vi, en)+":") }
	out := e.stdout
	fmt.Fprintln(out)
	fmt.Fprintln(out, lbl("Hồ sơ", "Dossier"), r.DossierCode)
	fmt.Fprintln(out, lbl("Tài liệu", "Document"), b.Title, "—", fmt.Sprintf(e.ui.t("%d trang", "%d pages"), len(b.Pages)))
	fmt.Fprintln(out, lbl("Mã kết quả", "Result code"), r.Code)
	if pdfPath != "" {
		fmt.Fprintln(out, lbl("PDF/A đã ký", "Signed PDF/A"), absPath(pdfPath))
	}
	fmt.Fprintln(out, lbl("SHA-256", "SHA-256"), r.SHA256)
	fmt.Fprintln(out, lbl("Người ký", "Signer"), r.Signer)
	fmt.Fprintln(out, lbl("Kiểm tra", "Verification"), summary)
	if keys != nil {
		fmt.Fprintln(out, lbl("Khóa ký", "Signing key"), absPath(keys.dir), "("+demoLabel+")")
	}
	fmt.Fprintln(out, lbl("Dữ liệu", "Data"), absPath(c.data))
	fmt.Fprintln(out, lbl("API hồ sơ", "Dossier API"), base+"/v1/dossiers/"+url.PathEscape(r.DossierCode))
	fmt.Fprintln(out, lbl("Tệp PDF qua API", "PDF through the API"), base+"/v1/results/"+url.PathEscape(r.Code)+"/pdf")
	fmt.Fprintln(out, lbl("Trang tra cứu", "Search page"), base+"/?q="+url.QueryEscape(demoQuery(m.Title)))
	fmt.Fprintln(out, lbl("Mã truy cập", "Access token"), secret)
	fmt.Fprintln(out)
	if *exit {
		stop()
		<-served
		return nil
	}
	fmt.Fprintln(out, e.ui.t("Trang tra cứu đang chạy: mở địa chỉ trên, dán mã truy cập khi được hỏi. Ctrl-C để dừng.",
		"The search page is running: open the address above and paste the access token when asked. Ctrl-C to stop."))
	select {
	case <-ctx.Done():
		stop()
		<-served
		return nil
	case err := <-served:
		return err
	}
}

// demoToken returns the demo's admin token, kept in file so that a second
// run uses the same token: the upload's idempotency key is scoped by token,
// so the second run finds the first batch instead of a duplicate.
func demoToken(ctx context.Context, st *stack, file string) (string, error) {
	if b, err := os.ReadFile(file); err == nil {
		secret := strings.TrimSpace(string(b))
		if _, err := st.records.Authenticate(ctx, secret); err == nil {
			return secret, nil
		}
	}
	secret, _, err := st.records.CreateToken(ctx, dossier.RoleAdmin, "demo")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(file, []byte(secret+"\n"), 0o600); err != nil {
		return "", err
	}
	return secret, nil
}

// readDemoBatch reads the sample batch and gives it an idempotency key
// from its content, so running the demo again finds the same batch.
func readDemoBatch(dir string) (*ingest.Manifest, []string, error) {
	f, err := os.Open(filepath.Join(dir, ingest.ManifestFile))
	if err != nil {
		return nil, nil, fmt.Errorf("sample batch: %w", err)
	}
	defer f.Close()
	m, err := ingest.ParseManifest(f)
	if err != nil {
		return nil, nil, fmt.Errorf("sample batch %s: %w", dir, err)
	}
	var paths []string
	for _, p := range m.Pages {
		paths = append(paths, filepath.Join(dir, p))
	}
	sum, err := ingest.ContentHash(nil, paths)
	if err != nil {
		return nil, nil, fmt.Errorf("sample batch: %w", err)
	}
	m.DefaultKey("demo-" + sum[:32])
	return m, paths, nil
}

// waitDemo polls the batch, printing page progress as it changes.
func waitDemo(ctx context.Context, e *env, cl *ingest.Client, id string, served <-chan error) (*dossier.Batch, error) {
	last := ""
	for {
		b, err := cl.Batch(ctx, id)
		if err != nil {
			return nil, err
		}
		done := 0
		for _, p := range b.Pages {
			if p.Status != dossier.PagePending {
				done++
			}
		}
		line := fmt.Sprintf(e.ui.t("  %s: %d/%d trang xong", "  %s: %d/%d pages done"), b.Status, done, len(b.Pages))
		if line != last {
			fmt.Fprintln(e.stderr, line)
			last = line
		}
		if b.Status == dossier.BatchDone || b.Status == dossier.BatchFailed {
			return b, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case err := <-served:
			return nil, fmt.Errorf("server stopped: %w", err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// verifySummary checks the stored PDF with pdf.Verify (trusting the demo
// CA when the demo made the key) and says what it found in one line.
func verifySummary(ctx context.Context, e *env, st *stack, r *dossier.Result, keys *demoKeys) string {
	rc, _, err := st.blobs.Get(ctx, r.Key)
	if err != nil {
		return err.Error()
	}
	defer rc.Close()
	tmp, err := os.CreateTemp("", "sohoa-demo-*.pdf")
	if err != nil {
		return err.Error()
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	size, err := io.Copy(tmp, rc)
	if err != nil {
		return err.Error()
	}
	var opts pdf.VerifyOptions
	if keys != nil {
		opts.TrustPEM = keys.caPEM
	}
	rep, err := pdf.Verify(ctx, tmp, size, opts)
	if err != nil {
		return err.Error()
	}
	var parts []string
	if rep.PDFAPart > 0 {
		s := fmt.Sprintf("PDF/A-%d%s", rep.PDFAPart, strings.ToLower(rep.PDFAConformance))
		if len(rep.PDFAProblems) > 0 {
			s += e.ui.t(" (vấn đề: ", " (problems: ") + strings.Join(rep.PDFAProblems, "; ") + ")"
		}
		parts = append(parts, s)
	} else {
		parts = append(parts, e.ui.t("không khai báo PDF/A", "no PDF/A claim"))
	}
	for _, s := range rep.Signatures {
		v := e.ui.t("chữ ký hỏng", "signature broken")
		if s.Intact {
			v = e.ui.t("chữ ký hợp lệ", "signature intact")
		}
		if s.CoversWholeDocument {
			v += e.ui.t(", phủ toàn bộ tệp", ", covers the whole file")
		}
		if s.Trusted != nil {
			if *s.Trusted {
				v += e.ui.t(", tin cậy theo CA demo", ", trusted (demo CA)")
			} else {
				v += e.ui.t(", không tin cậy: ", ", not trusted: ") + s.TrustError
			}
		}
		parts = append(parts, v+" ("+s.SubFilter+")")
	}
	if len(rep.Signatures) == 0 {
		parts = append(parts, e.ui.t("không có chữ ký", "not signed"))
	}
	verdict := e.ui.t("ĐẠT", "OK")
	if !rep.OK() {
		verdict = e.ui.t("KHÔNG ĐẠT", "NOT OK")
	}
	return verdict + " — " + strings.Join(parts, "; ")
}

// demoQuery picks words of the title to search for.
func demoQuery(title string) string {
	w := strings.Fields(title)
	if len(w) > 3 {
		w = w[len(w)-3:]
	}
	return strings.ToLower(strings.Join(w, " "))
}
