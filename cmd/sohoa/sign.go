package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/pdf"
)

// runSign is the desk official's signer: it lists the documents waiting
// for their signature and signs them with their own token (PKCS#11), the
// key never leaving it. The PIN is read from the terminal without echo
// (or, with no terminal, one line of stdin), never from argv or the
// environment.
func runSign(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("sign", e.ui.t("Cách dùng: sohoa sign "+serverUsageVI+" --pkcs11 THƯ_VIỆN [--pkcs11-token NHÃN] [--pkcs11-key NHÃN] [--list | --all | MÃ_YÊU_CẦU...]",
		"Usage: sohoa sign "+serverUsageEN+" --pkcs11 LIB [--pkcs11-token LABEL] [--pkcs11-key LABEL] [--list | --all | REQUEST_ID...]")+"\n"+
		e.ui.t("Liệt kê các tài liệu chờ cán bộ ký và ký bằng token của cán bộ; mã PIN được hỏi trên màn hình, không bao giờ lấy từ tham số hay biến môi trường.",
			"Lists the documents waiting for the official's signature and signs them with the official's token; the PIN is asked on the terminal, never taken from arguments or the environment."))
	var sf serverFlags
	sf.add(fs, e.ui)
	module := fs.String("pkcs11", "", e.ui.t("thư viện PKCS#11 của token (.so/.dll)", "PKCS#11 library of the token (.so/.dll)"))
	tokenLabel := fs.String("pkcs11-token", "", e.ui.t("nhãn token (mặc định: token duy nhất)", "token label"))
	keyLabel := fs.String("pkcs11-key", "", e.ui.t("nhãn khóa và chứng thư trên token (mặc định: khóa duy nhất)", "label of the key and certificate on the token (default: its only key)"))
	chainFile := fs.String("chain", "", e.ui.t("tệp PEM các chứng thư trung gian/gốc gửi kèm", "PEM file of intermediate/root certificates to send along"))
	list := fs.Bool("list", false, e.ui.t("chỉ liệt kê, không ký", "list only, sign nothing"))
	all := fs.Bool("all", false, e.ui.t("ký tất cả tài liệu đang chờ", "sign every waiting document"))
	agent := fs.Bool("agent", false, e.ui.t("chạy phần mềm ký cục bộ cho trang rà soát (chỉ nhận trang của --server)", "run the local signing agent for the review page (answers only pages of --server)"))
	agentAddr := fs.String("agent-addr", "127.0.0.1:8765", e.ui.t("địa chỉ của phần mềm ký (chỉ 127.0.0.1)", "address of the signing agent (127.0.0.1 only)"))
	agentIdle := fs.Duration("agent-idle", 5*time.Minute, e.ui.t("đóng token sau khoảng không dùng này", "close the token after this long unused"))
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	c, err := sf.client(e)
	if err != nil {
		return err
	}
	if *agent {
		if *module == "" || *tokenLabel == "" {
			return usageError{e.ui.t("cần --pkcs11 THƯ_VIỆN và --pkcs11-token NHÃN để ký", "--pkcs11 LIB and --pkcs11-token LABEL are needed to sign")}
		}
		b := &deskAgentBackend{client: c, token: pdf.TokenConfig{Module: *module, Token: *tokenLabel, Key: *keyLabel}}
		if *chainFile != "" {
			if b.extra, err = pdf.ReadCertificates(*chainFile); err != nil {
				return err
			}
		}
		return runAgent(ctx, e, sf.server, *agentAddr, *agentIdle, b, *tokenLabel)
	}
	queue, err := c.SigningQueue(ctx, dossier.SigningAwaiting)
	if err != nil {
		return err
	}
	printSigningQueue(e, queue)
	if *list {
		return nil
	}
	todo, err := pickRequests(e, queue, pos, *all)
	if err != nil || len(todo) == 0 {
		return err
	}
	if *module == "" || *tokenLabel == "" {
		return usageError{e.ui.t("cần --pkcs11 THƯ_VIỆN và --pkcs11-token NHÃN để ký", "--pkcs11 LIB and --pkcs11-token LABEL are needed to sign")}
	}
	pin, err := readPIN(e, *tokenLabel)
	if err != nil {
		return err
	}
	key, err := pdf.OpenTokenKey(pdf.TokenConfig{Module: *module, Token: *tokenLabel, Key: *keyLabel}, pin)
	if err != nil {
		return &userError{vi: "không mở được token " + *tokenLabel + " (sai PIN hoặc sai nhãn?)", en: "cannot open token " + *tokenLabel + " (wrong PIN or label?)", err: err}
	}
	defer key.Close()
	chain := key.Chain()
	if *chainFile != "" {
		extra, err := pdf.ReadCertificates(*chainFile)
		if err != nil {
			return err
		}
		chain = append(chain[:1:1], extra...)
	}
	start := time.Now()
	failed := 0
	for _, r := range todo {
		res, err := signOne(ctx, c, key, chain, r)
		if err != nil {
			failed++
			fmt.Fprintf(e.stderr, "%s %s: %s\n", e.ui.t("TỪ CHỐI", "REFUSED"), r.ResultCode, apiErrorText(e, err))
			continue
		}
		fmt.Fprintf(e.stdout, "%s %s %s %s\n", e.ui.t("đã ký", "signed"), res.Code, res.SHA256, res.Signer)
	}
	fmt.Fprintf(e.stderr, e.ui.t("%d/%d tài liệu đã ký trong %.1f giây\n", "%d/%d documents signed in %.1f s\n"), len(todo)-failed, len(todo), time.Since(start).Seconds())
	if failed > 0 {
		return &userError{vi: fmt.Sprintf("%d tài liệu không ký được", failed), en: fmt.Sprintf("%d documents were not signed", failed)}
	}
	return nil
}

// signOne prepares one request for the chain, checks that what the server
// asks the token to sign is the PAdES signed attributes of a document
// digest for this certificate (so a hostile server cannot have the key
// sign anything else), signs and uploads.
func signOne(ctx context.Context, c *ingest.Client, key *pdf.TokenKey, chain []*x509.Certificate, r dossier.SigningRequest) (*dossier.Result, error) {
	d, err := c.PrepareSigning(ctx, r.ID, chain)
	if err != nil {
		return nil, err
	}
	attrs, err := pdf.SignedAttributes(d.MessageDigest, chain[0])
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(attrs)
	if !bytes.Equal(attrs, d.SignedAttributes) || !bytes.Equal(sum[:], d.Digest) {
		return nil, errors.New("the server asked to sign something other than this document's signed attributes; nothing was signed")
	}
	sig, err := key.SignAttributes(attrs)
	if err != nil {
		return nil, err
	}
	return c.PostSignature(ctx, r.ID, sig, chain)
}

func printSigningQueue(e *env, q []dossier.SigningRequest) {
	if len(q) == 0 {
		fmt.Fprintln(e.stderr, e.ui.t("Không có tài liệu nào chờ ký.", "Nothing waits for a signature."))
		return
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, e.ui.t("MÃ YÊU CẦU\tKẾT QUẢ\tTRÍCH YẾU\tSỐ TRANG\tNGƯỜI KÝ\tSHA-256", "REQUEST\tRESULT\tTITLE\tPAGES\tOFFICIAL\tSHA-256"))
	for _, r := range q {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.ResultCode, r.Title, r.Pages, r.Official, r.BaseSHA256[:min(16, len(r.BaseSHA256))])
	}
	tw.Flush()
}

// pickRequests returns the requests named by id, or all with --all.
func pickRequests(e *env, q []dossier.SigningRequest, ids []string, all bool) ([]dossier.SigningRequest, error) {
	if all {
		return q, nil
	}
	if len(ids) == 0 {
		fmt.Fprintln(e.stderr, e.ui.t("Chọn tài liệu để ký bằng MÃ_YÊU_CẦU, hoặc --all để ký tất cả.", "Choose documents to sign by REQUEST_ID, or --all to sign them all."))
		return nil, nil
	}
	byID := map[string]dossier.SigningRequest{}
	for _, r := range q {
		byID[r.ID] = r
	}
	var out []dossier.SigningRequest
	for _, id := range ids {
		r, ok := byID[id]
		if !ok {
			return nil, &userError{vi: "không có tài liệu " + id + " chờ ký", en: "no document " + id + " waits for a signature"}
		}
		out = append(out, r)
	}
	return out, nil
}

// readPIN asks for the token's PIN on the terminal without echo; with no
// terminal (a script) it reads one line of stdin.
func readPIN(e *env, label string) (string, error) {
	return readPINFrom(e, label, func() (string, bool) {
		line, err := bufio.NewReader(io.LimitReader(e.stdin, 256)).ReadString('\n')
		return line, err == nil || line != ""
	})
}

// readPINFrom is readPIN with the line of a script read by next (the
// agent reads stdin through one reader for every question).
func readPINFrom(e *env, label string, next func() (string, bool)) (string, error) {
	prompt := fmt.Sprintf(e.ui.t("Mã PIN của token %s: ", "PIN of token %s: "), label)
	if tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil {
		defer tty.Close()
		if term.IsTerminal(int(tty.Fd())) {
			fmt.Fprint(tty, prompt)
			pin, err := term.ReadPassword(int(tty.Fd()))
			fmt.Fprintln(tty)
			return string(pin), err
		}
	}
	// No terminal: still say what the next line is taken for, so that
	// whoever (or whatever) answers the agent's questions knows.
	fmt.Fprint(e.stderr, prompt)
	line, ok := next()
	fmt.Fprintln(e.stderr)
	if !ok {
		return "", &userError{vi: "không đọc được mã PIN", en: "cannot read the PIN"}
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// apiErrorText is a refusal in the user's language.
func apiErrorText(e *env, err error) string {
	var ae *ingest.APIError
	if errors.As(err, &ae) {
		return e.ui.t(ae.VI, ae.EN)
	}
	return err.Error()
}

// runReopen: sohoa reopen --server URL --token ADMIN [--deadline 72h]
// (--list | REQUEST_ID...) gives signing requests left unsigned past their
// deadline (exceptions) a new one: each awaits its official's signature
// again. The operator's action; the audit records who and until when.
func runReopen(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("reopen", e.ui.t("Cách dùng: sohoa reopen --server URL --token MÃ_QUẢN_TRỊ [--deadline 72h] (--list | MÃ_YÊU_CẦU...)",
		"Usage: sohoa reopen --server URL --token ADMIN_TOKEN [--deadline 72h] (--list | REQUEST_ID...)")+"\n"+
		e.ui.t("Mở lại các yêu cầu ký đã quá hạn (ngoại lệ) với hạn mới: văn bản lại chờ cán bộ ký. --list liệt kê các yêu cầu quá hạn.",
			"Reopens signing requests left unsigned past their deadline (exceptions) with a new deadline: the document awaits its official's signature again. --list lists the expired requests."))
	var sf serverFlags
	sf.add(fs, e.ui)
	within := fs.Duration("deadline", 0, e.ui.t("hạn ký mới tính từ bây giờ (như 72h); bỏ trống: hạn máy chủ cấu hình", "the new deadline from now (such as 72h); empty: the server's configured one"))
	list := fs.Bool("list", false, e.ui.t("chỉ liệt kê các yêu cầu ký quá hạn", "only list the expired signing requests"))
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *list == (len(pos) > 0) {
		return usageError{e.ui.t("cần --list hoặc ít nhất một mã yêu cầu ký (không cả hai)", "give --list or at least one signing request ID (not both)")}
	}
	if *within < 0 {
		return usageError{e.ui.t("--deadline phải dương", "--deadline must be positive")}
	}
	c, err := sf.client(e)
	if err != nil {
		return err
	}
	if *list {
		reqs, err := c.SigningQueue(ctx, dossier.SigningExpired)
		if err != nil {
			return err
		}
		if len(reqs) == 0 {
			fmt.Fprintln(e.stdout, e.ui.t("Không có yêu cầu ký nào quá hạn.", "No signing request is past its deadline."))
		}
		for _, r := range reqs {
			fmt.Fprintf(e.stdout, e.ui.t("%s  %s  %s, %d trang, chờ %s, quá hạn từ %s\n", "%s  %s  %s, %d pages, for %s, expired %s\n"),
				r.ID, r.ResultCode, r.Title, r.Pages, r.Official, r.Deadline.Local().Format(time.DateTime))
		}
		return nil
	}
	for _, id := range pos {
		r, err := c.ReopenSigning(ctx, id, *within)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, e.ui.t("Đã mở lại %s (%s): chờ %s ký trước %s.\n", "Reopened %s (%s): awaits %s's signature before %s.\n"),
			r.ID, r.ResultCode, r.Official, r.Deadline.Local().Format(time.DateTime))
	}
	return nil
}
