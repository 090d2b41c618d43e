package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"strings"
	"syscall"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/ocr"
	"github.com/sohoa/sohoa/storage/index"
)

// usageError marks an error in how the command was called (exit code 2).
// Its message is already in the user's language.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// userError is a failure worded for a desk operator in both languages; err,
// when set, is the cause kept for errors.Is and the logs.
type userError struct {
	vi, en string
	err    error
}

func (e *userError) Error() string { return e.en }
func (e *userError) Unwrap() error { return e.err }

// errText words err for the user: the errors of the libraries below (files,
// network, TLS, PKCS#12, the server's answers) become plain sentences in the
// user's language; what it does not know keeps its own text.
func (u ui) errText(err error) string {
	var (
		ue  *userError
		use usageError
		ie  *ocr.InputError
		me  *ocr.ModelError
		ae  *ingest.APIError
		ge  *ingest.Error
		de2 *dossier.CodeError
		qe  *index.QueryError
		pe  *fs.PathError
		uae x509.UnknownAuthorityError
		he  x509.HostnameError
		ce  x509.CertificateInvalidError
		de  *net.DNSError
		ne  net.Error
		ure *url.Error
	)
	switch {
	case errors.As(err, &ue):
		return u.t(ue.vi, ue.en)
	case errors.As(err, &use):
		return use.msg
	case errors.As(err, &ie):
		s := u.t(ie.VI, ie.EN)
		if ie.Detail != "" {
			s += ": " + ie.Detail
		}
		return s
	case errors.As(err, &me):
		return u.t(me.VI(), me.EN())
	case errors.As(err, &ae):
		return fmt.Sprintf(u.t("máy chủ từ chối (%d): %s", "refused by the server (%d): %s"), ae.Status, u.t(ae.VI, ae.EN))
	case errors.As(err, &ge):
		return u.t(ge.VI, ge.EN)
	case errors.As(err, &de2):
		return u.t(de2.VI, de2.EN)
	case errors.As(err, &qe):
		return u.t("câu tìm kiếm không hợp lệ: "+qe.VI, "invalid query: "+qe.EN)
	case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption):
		return u.t("sai mật khẩu của tệp khóa ký số PKCS#12", "wrong password for the PKCS#12 signing key file")
	case errors.As(err, &uae):
		return u.t("chứng thư số không do một tổ chức chứng thực (CA) tin cậy cấp", "the certificate was not issued by a trusted certification authority (CA)")
	case errors.As(err, &he):
		return fmt.Sprintf(u.t("chứng thư TLS của máy chủ không dành cho tên %s", "the server's TLS certificate is not for the name %s"), he.Host)
	case errors.As(err, &ce):
		if ce.Reason == x509.Expired {
			return u.t("chứng thư số đã hết hạn hoặc chưa có hiệu lực", "the certificate has expired or is not valid yet")
		}
		return u.t("chứng thư số không hợp lệ", "the certificate is not valid")
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf(u.t("không kết nối được máy chủ %s: máy chủ chưa chạy hoặc sai địa chỉ, cổng", "cannot connect to the server %s: it is not running, or the address or port is wrong"), host(err))
	case errors.As(err, &de):
		return fmt.Sprintf(u.t("không tìm thấy máy chủ có tên %s (tên sai, hoặc mạng không có DNS)", "no server named %s (wrong name, or no DNS on this network)"), de.Name)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return u.t("quá thời gian chờ trả lời", "timed out waiting for an answer")
	case errors.Is(err, context.Canceled):
		return u.t("đã dừng theo yêu cầu", "stopped on request")
	case errors.As(err, &pe):
		return pathErrText(u, pe)
	case errors.Is(err, syscall.ENOSPC):
		return u.t("hết chỗ trống trên đĩa", "no space left on the disk")
	case errors.As(err, &ure):
		return fmt.Sprintf(u.t("không nói chuyện được với máy chủ %s: %v", "cannot talk to the server %s: %v"), host(err), ure.Err)
	}
	return err.Error()
}

func pathErrText(u ui, pe *fs.PathError) string {
	switch {
	case errors.Is(pe, fs.ErrNotExist):
		return fmt.Sprintf(u.t("không có tệp hoặc thư mục %s", "no such file or folder: %s"), pe.Path)
	case errors.Is(pe, fs.ErrPermission):
		return fmt.Sprintf(u.t("không có quyền truy cập %s", "permission denied: %s"), pe.Path)
	case errors.Is(pe, syscall.EISDIR):
		return fmt.Sprintf(u.t("%s là thư mục, không phải tệp", "%s is a folder, not a file"), pe.Path)
	case errors.Is(pe, syscall.ENOTDIR):
		return fmt.Sprintf(u.t("một phần của đường dẫn %s không phải thư mục", "part of the path %s is not a folder"), pe.Path)
	case errors.Is(pe, syscall.ENOSPC):
		return fmt.Sprintf(u.t("hết chỗ trống trên đĩa khi ghi %s", "no space left on the disk writing %s"), pe.Path)
	}
	return fmt.Sprintf(u.t("lỗi đọc/ghi %s: %v", "cannot read or write %s: %v"), pe.Path, pe.Err)
}

// host names the server of a network error.
func host(err error) string {
	var ure *url.Error
	if errors.As(err, &ure) {
		if pu, perr := url.Parse(ure.URL); perr == nil && pu.Host != "" {
			return pu.Host
		}
		return ure.URL
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Addr != nil {
		return oe.Addr.String()
	}
	return ""
}

// checkServerURL refuses at once a server address that no retry can
// reach: no http:// or https://, no host.
func checkServerURL(flagName, s string, u ui) error {
	pu, err := url.Parse(s)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		ex := s
		if !strings.Contains(s, "://") {
			ex = "http://" + s
		}
		return usageError{fmt.Sprintf(u.t("%s %q không phải địa chỉ máy chủ: cần bắt đầu bằng http:// hoặc https://, ví dụ %s",
			"%s %q is not a server address: it must start with http:// or https://, e.g. %s"), flagName, s, ex)}
	}
	return nil
}

// noStoreError: the embedded data folder has no database (a mistyped --data).
func noStoreError(data, viFlags, enFlags string, err error) error {
	return &userError{
		vi:  fmt.Sprintf("không có dữ liệu nhúng trong thư mục %s (chỉ rõ %s)", data, viFlags),
		en:  fmt.Sprintf("no embedded store in the folder %s (give %s)", data, enFlags),
		err: err,
	}
}
