package main

import (
	"context"
	"fmt"
	"net"

	"github.com/sohoa/sohoa/web"
)

// runServe runs the API, the search page and (unless --workers 0) the
// workers in one process until interrupted.
func runServe(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("serve", e.ui.t("Cách dùng: sohoa serve [--addr HOST:CỔNG] [--data THƯ_MỤC | --db URL --amqp URL --s3 URL] (tùy chọn ký số | --unsigned | --workers 0)",
		"Usage: sohoa serve [--addr HOST:PORT] [--data DIR | --db URL --amqp URL --s3 URL] (signing options | --unsigned | --workers 0)")+"\n"+
		e.ui.t("Trang tra cứu ở http://HOST:CỔNG/ cần mã truy cập vai trò lưu trữ (archivist); tạo mã bằng:\n"+
			"  sohoa token create --role archivist --name TÊN --data THƯ_MỤC   (hoặc --db URL)\n"+
			"Trạm quét cần mã vai trò station, --name là tên trạm (trùng với \"station\" trong manifest).",
			"The search page at http://HOST:PORT/ needs an access token of the archivist role; create one with:\n"+
				"  sohoa token create --role archivist --name NAME --data DIR   (or --db URL)\n"+
				"Scanner stations need a station token; its --name is the station's name (the manifest's \"station\")."))
	var c stackConfig
	c.addFlags(fs, e.ui)
	addr := fs.String("addr", envOr("SOHOA_ADDR", "127.0.0.1:8080"), e.ui.t("địa chỉ lắng nghe HOST:CỔNG (biến SOHOA_ADDR)", "listen address HOST:PORT (env SOHOA_ADDR)"))
	cert := fs.String("tls-cert", "", e.ui.t("chứng thư TLS (PEM)", "TLS certificate (PEM)"))
	key := fs.String("tls-key", "", e.ui.t("khóa TLS (PEM)", "TLS key (PEM)"))
	maxConns := fs.Int("max-conns", web.DefaultMaxConns, e.ui.t("số kết nối mở tối đa (âm = không giới hạn)", "most open connections (negative = no cap)"))
	maxPerIP := fs.Int("max-conns-per-ip", web.DefaultMaxConnsPerIP, e.ui.t("số kết nối mở tối đa từ một địa chỉ IP", "most open connections from one IP address"))
	minRate := fs.Int64("min-upload-rate", web.DefaultMinBodyRate>>10, e.ui.t("tốc độ gửi tối thiểu của một yêu cầu (KiB/s, tính trên mỗi 30 giây)", "slowest accepted request body (KiB/s, over each 30 s)"))
	fs.BoolVar(&c.metricsAuth, "metrics-auth", false, e.ui.t("/metrics cũng cần mã truy cập (vai trò bất kỳ)", "/metrics also needs an access token (any role)"))
	if err := parseNoArgs(fs, args, e.ui); err != nil {
		return err
	}
	if err := c.desk.check(e.ui); err != nil {
		return err
	}
	if err := checkResultPolicy(e.ui, c.workers, c.sign.Enabled() || !c.desk.serverKeyNeeded(), c.unsigned, c.webhookURL); err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		return usageError{e.ui.t("--tls-cert và --tls-key phải đi cùng nhau", "--tls-cert and --tls-key go together")}
	}
	st, err := openStack(ctx, e.log, c)
	if err != nil {
		return err
	}
	defer st.Close()
	rate := *minRate << 10
	if *minRate <= 0 {
		rate = -1
	}
	return st.run(ctx, web.ListenConfig{
		Addr: *addr, TLSCert: *cert, TLSKey: *key,
		MaxConns: *maxConns, MaxConnsPerIP: *maxPerIP, MinBodyRate: rate,
		OnListen: func(a net.Addr) {
			url := baseURL(a, *cert != "")
			e.log.Info("sohoa serve: listening", "url", url, "mode", st.mode, "workers", c.workers)
			printServeBanner(e, url, a, *cert != "", c)
		},
	})
}

// printServeBanner tells the person who started serve where it answers,
// how to get the token the search page asks for, and, for plain HTTP
// reachable from other machines, that secrets travel in clear text.
func printServeBanner(e *env, url string, a net.Addr, tls bool, c stackConfig) {
	where := "--data " + absPath(c.data)
	if c.dbURL != "" {
		where = e.ui.t("--db URL (như của serve)", "--db URL (the same as serve's)")
	}
	fmt.Fprintf(e.stderr, e.ui.t("sohoa serve: đang phục vụ tại %s\n", "sohoa serve: serving at %s\n"), url)
	fmt.Fprintf(e.stderr, e.ui.t("  Trang tra cứu: %s/ — cần mã vai trò lưu trữ: sohoa token create --role archivist --name TÊN %s\n",
		"  Search page: %s/ — needs an archivist token: sohoa token create --role archivist --name NAME %s\n"), url, where)
	if web.PlainHTTPExposed(a, tls) {
		fmt.Fprintln(e.stderr, e.ui.t(
			"  CẢNH BÁO: HTTP không mã hóa trên địa chỉ mà máy khác truy cập được: mã truy cập và cookie đi qua mạng dạng rõ. Dùng --tls-cert/--tls-key hoặc đặt sau một proxy TLS.",
			"  WARNING: plain HTTP on an address other machines can reach: tokens and cookies cross the network in clear text. Use --tls-cert/--tls-key or a TLS proxy."))
	}
}
