package main

import (
	"context"
	"net"

	"github.com/sohoa/sohoa/web"
)

// runServe runs the API, the search page and (unless --workers 0) the
// workers in one process until interrupted.
func runServe(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("serve", e.ui.t("Cách dùng: sohoa serve [--addr HOST:CỔNG] [--data THƯ_MỤC | --db URL --amqp URL --s3 URL] [tùy chọn ký số]",
		"Usage: sohoa serve [--addr HOST:PORT] [--data DIR | --db URL --amqp URL --s3 URL] [signing options]"))
	var c stackConfig
	c.addFlags(fs, e.ui)
	addr := fs.String("addr", envOr("SOHOA_ADDR", "127.0.0.1:8080"), e.ui.t("địa chỉ lắng nghe HOST:CỔNG (biến SOHOA_ADDR)", "listen address HOST:PORT (env SOHOA_ADDR)"))
	cert := fs.String("tls-cert", "", e.ui.t("chứng thư TLS (PEM)", "TLS certificate (PEM)"))
	key := fs.String("tls-key", "", e.ui.t("khóa TLS (PEM)", "TLS key (PEM)"))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{e.ui.t("serve không nhận đối số", "serve takes no arguments")}
	}
	if (*cert == "") != (*key == "") {
		return usageError{e.ui.t("--tls-cert và --tls-key phải đi cùng nhau", "--tls-cert and --tls-key go together")}
	}
	st, err := openStack(ctx, e.log, c)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.run(ctx, web.ListenConfig{
		Addr: *addr, TLSCert: *cert, TLSKey: *key,
		OnListen: func(a net.Addr) {
			e.log.Info("sohoa serve: listening", "url", baseURL(a, *cert != ""), "mode", st.mode, "workers", c.workers)
		},
	})
}
