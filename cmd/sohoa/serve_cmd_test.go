package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// TestServeTLS runs `sohoa serve` with a certificate (API only), checks
// /healthz and /readyz over HTTPS, and that Ctrl-C stops it cleanly.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)

	addr := storagetest.FreeAddr(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr bytes.Buffer
	e := &env{stdout: &bytes.Buffer{}, stderr: &stderr, log: testLogger(t), ui: ui{english: true}}
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, e, []string{"--addr", addr, "--data", filepath.Join(dir, "data"), "--workers", "0",
			"--tls-cert", certFile, "--tls-key", keyFile})
	}()
	pool := x509.NewCertPool()
	pool.AddCert(mustParse(t, der))
	cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	var resp *http.Response
	for range 100 {
		resp, err = cl.Get("https://" + addr + "/readyz")
		if err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err != nil {
		t.Fatalf("serve never answered over TLS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/readyz: %d", resp.StatusCode)
	}
	if r, err := http.Get("http://" + addr + "/healthz"); err == nil {
		r.Body.Close()
		if r.StatusCode == 200 {
			t.Error("plain HTTP served on the TLS port")
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after Ctrl-C: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s")
	}
	var usage bytes.Buffer
	if err := runServe(context.Background(), &env{stdout: &usage, stderr: &usage, log: testLogger(t), ui: ui{english: true}},
		[]string{"--tls-cert", certFile}); err == nil {
		t.Error("--tls-cert without --tls-key accepted")
	}
}

func mustParse(t *testing.T, der []byte) *x509.Certificate {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestServeBanner: serve's start-up output says where it answers and how
// to get the archivist token the search page asks for, and warns when
// plain HTTP is reachable from other machines (and only then).
func TestServeBanner(t *testing.T) {
	for _, tt := range []struct {
		addr string
		warn bool
	}{{"127.0.0.1:0", false}, {"0.0.0.0:0", true}} {
		t.Run(tt.addr, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stderr sohoatest.Output
			e := &env{stdout: &bytes.Buffer{}, stderr: &stderr, log: testLogger(t), ui: ui{english: true}}
			done := make(chan error, 1)
			go func() { done <- runServe(ctx, e, []string{"--addr", tt.addr, "--data", data, "--workers", "0"}) }()
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(stderr.String(), "Search page") {
				select {
				case err := <-done:
					t.Fatalf("serve stopped: %v\n%s", err, stderr.String())
				case <-time.After(50 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatalf("no start-up output:\n%s", stderr.String())
				}
			}
			out := stderr.String()
			for _, want := range []string{"serving at http://127.0.0.1:", "sohoa token create --role archivist --name NAME --data " + data} {
				if !strings.Contains(out, want) {
					t.Errorf("start-up output lacks %q:\n%s", want, out)
				}
			}
			if got := strings.Contains(out, "WARNING: plain HTTP"); got != tt.warn {
				t.Errorf("plain-HTTP warning shown=%v, want %v:\n%s", got, tt.warn, out)
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	var help bytes.Buffer
	run(context.Background(), []string{"serve", "--help"}, &env{stdout: &help, stderr: &help, log: testLogger(t), ui: ui{english: true}})
	if !strings.Contains(help.String(), "sohoa token create --role archivist") {
		t.Errorf("serve --help does not say how to get an archivist token:\n%s", help.String())
	}
}
