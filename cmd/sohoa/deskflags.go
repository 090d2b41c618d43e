package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/pdf"
	"github.com/sohoa/sohoa/pdf/revocation"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/workers"
)

// deskFlags are the signing-mode flags of serve and worker: who signs a
// result (the server's key, or the desk official's token), the trust
// anchors of officials' certificates and how long a document may wait.
type deskFlags struct {
	modes    workers.SigningModes
	deadline time.Duration
	trustDir string
	titles   string // JSON file {"official's name": "title"}
	// revocation is the --revocation policy: require, prefer or off.
	revocation string
	attach     workers.AttachmentScope
}

func (f *deskFlags) addFlags(fs *flag.FlagSet, u ui) {
	fs.StringVar(&f.modes.Default, "signing-mode", os.Getenv("SOHOA_SIGNING_MODE"),
		u.t("ai ký kết quả: \"server\" (khóa của máy chủ, mặc định), \"desk\" (cán bộ ký bằng token của mình), \"desk+seal\" (cán bộ ký rồi máy chủ ký thêm chữ ký cơ quan) (biến SOHOA_SIGNING_MODE)",
			"who signs results: server (the server's key, the default), desk (the official with their own token), desk+seal (the official, then the organisation's signature added by the server) (env SOHOA_SIGNING_MODE)"))
	fs.Func("signing-mode-for", u.t("chế độ ký riêng của một trạm hoặc cơ quan: \"station:TÊN=CHẾ_ĐỘ\" hoặc \"agency:MÃ=CHẾ_ĐỘ\" (lặp lại được)",
		"signing mode of one station or agency: station:NAME=MODE or agency:CODE=MODE (repeatable)"), f.modes.Add)
	fs.DurationVar(&f.deadline, "signing-deadline", 72*time.Hour, u.t("thời hạn chờ cán bộ ký; quá hạn thành ngoại lệ", "how long a document waits for the official's signature before it becomes an exception"))
	fs.StringVar(&f.trustDir, "trust-dir", os.Getenv("SOHOA_TRUST_DIR"), u.t("thư mục các chứng thư gốc tin cậy (PEM) cho chứng thư số của cán bộ (biến SOHOA_TRUST_DIR)",
		"folder of trusted root certificates (PEM) for officials' certificates (env SOHOA_TRUST_DIR)"))
	fs.StringVar(&f.revocation, "revocation", os.Getenv("SOHOA_REVOCATION"),
		u.t("kiểm tra chứng thư số bị thu hồi (OCSP, rồi CRL) của cán bộ khi ký và của khóa cơ quan khi khởi động: \"prefer\" (mặc định: từ chối chứng thư đã bị thu hồi, ghi nhận khi không hỏi được và vẫn ký), \"require\" (từ chối cả khi không hỏi được), \"off\" (nơi không có mạng tới CA) (biến SOHOA_REVOCATION)",
			"revocation check (OCSP, then CRL) of officials' certificates when they sign and of the server's key at start-up: prefer (the default: refuse a revoked certificate, note an unanswered check and go on), require (also refuse when nobody answers), off (sites with no network to the CA) (env SOHOA_REVOCATION)"))
	fs.Func("audit-attachment", u.t("nhúng nhật ký rà soát và ký (sohoa-audit.json) vào tài liệu trước khi cán bộ ký, tài liệu thành PDF/A-3b: \"all\", \"station:TÊN\" hoặc \"agency:MÃ\" (lặp lại được; mặc định không)",
		"embed the review and signing audit (sohoa-audit.json) in the document before the official signs, making it PDF/A-3b: all, station:NAME or agency:CODE (repeatable; none by default)"), f.attach.Add)
	fs.StringVar(&f.titles, "official-titles", "", u.t("tệp JSON {\"họ tên cán bộ\": \"chức vụ\"} cho dấu chữ ký", "JSON file {\"official's name\": \"title\"} for the signature mark"))
}

// desk reports whether any batch may be signed at a desk.
func (f *deskFlags) desk() bool {
	return f.modes.Uses(dossier.SignDesk) || f.modes.Uses(dossier.SignDeskSeal)
}

// serverKeyNeeded reports whether results need the server's key: some
// batch is signed by the server, or sealed by it.
func (f *deskFlags) serverKeyNeeded() bool {
	return f.modes.Uses(dossier.SignServer) || f.modes.Uses(dossier.SignDeskSeal)
}

// check refuses a mode that names nothing, or desk signing without trust
// anchors (no official's certificate could then be accepted).
func (f *deskFlags) check(u ui) error {
	if f.modes.Default != "" && !dossier.ValidSigningMode(f.modes.Default) {
		return usageError{u.t("--signing-mode phải là server, desk hoặc desk+seal", "--signing-mode must be server, desk or desk+seal")}
	}
	if _, err := revocation.ParsePolicy(f.revocation); err != nil {
		return usageError{u.t("--revocation phải là require, prefer hoặc off", "--revocation must be require, prefer or off")}
	}
	if f.desk() && f.trustDir == "" {
		return usageError{u.t("ký tại quầy cần --trust-dir: thư mục chứng thư gốc tin cậy (PEM) của chứng thư số cán bộ",
			"desk signing needs --trust-dir: the folder of trusted root certificates (PEM) for officials' certificates")}
	}
	return nil
}

// open reads the trust anchors and titles and migrates the signing
// records; the zero DeskConfig (desk signing off) when no mode needs it.
func (f *deskFlags) open(ctx context.Context, db *storage.DB, tsaURL string) (workers.DeskConfig, error) {
	if !f.desk() {
		return workers.DeskConfig{}, nil
	}
	pems, err := filepath.Glob(filepath.Join(f.trustDir, "*"))
	if err != nil {
		return workers.DeskConfig{}, err
	}
	var trust []byte
	for _, p := range pems {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return workers.DeskConfig{}, fmt.Errorf("--trust-dir: %w", err)
		}
		if strings.Contains(string(b), "-----BEGIN CERTIFICATE-----") {
			trust = append(append(trust, b...), '\n')
		}
	}
	if len(trust) == 0 {
		return workers.DeskConfig{}, fmt.Errorf("--trust-dir %s holds no PEM certificate", f.trustDir)
	}
	cfg := workers.DeskConfig{Modes: f.modes, Deadline: f.deadline, TrustPEM: trust, TSAURL: tsaURL, AuditAttachment: f.attach}
	if cfg.RevocationPolicy, err = revocation.ParsePolicy(f.revocation); err != nil {
		return cfg, err
	}
	if cfg.RevocationPolicy != revocation.Off {
		cfg.Revocation = revocation.New(revocation.Config{})
	}
	if f.titles != "" {
		b, err := os.ReadFile(f.titles)
		if err != nil {
			return cfg, fmt.Errorf("--official-titles: %w", err)
		}
		if err := json.Unmarshal(b, &cfg.Titles); err != nil {
			return cfg, fmt.Errorf("--official-titles %s: %w", f.titles, err)
		}
	}
	if cfg.Records, err = storage.OpenSigningRecords(ctx, db); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// checkSeal checks at start-up that the server's own certificate (the
// organisation's seal) is not revoked: a revoked key refuses to start
// under prefer and require, and one nobody vouched for too under require;
// under prefer that is a warning.
func (f *deskFlags) checkSeal(ctx context.Context, log *slog.Logger, s *pdf.Signer) error {
	policy, err := revocation.ParsePolicy(f.revocation)
	if err != nil || policy == revocation.Off || s == nil {
		return err
	}
	chain := s.Chain()
	a := revocation.New(revocation.Config{}).Check(ctx, chain[0], revocation.IssuerOf(chain, nil))
	en, vi := a.Describe()
	if policy.Refuses(a) {
		return &userError{vi: "khóa ký của máy chủ (" + chain[0].Subject.CommonName + "): " + vi + " (--revocation " + string(policy) + ")",
			en: "the server's signing key (" + chain[0].Subject.CommonName + "): " + en + " (--revocation " + string(policy) + ")"}
	}
	if a.Status == revocation.Good {
		log.Info("the server's signing certificate is not revoked", "subject", chain[0].Subject.CommonName, "source", a.Source, "url", a.URL)
	} else {
		log.Warn("the server's signing certificate could not be checked for revocation", "subject", chain[0].Subject.CommonName, "why", en)
	}
	return nil
}
