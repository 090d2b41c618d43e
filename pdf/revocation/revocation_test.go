package revocation_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/sohoa/sohoa/pdf/certs"
	"github.com/sohoa/sohoa/pdf/pdftest"
	"github.com/sohoa/sohoa/pdf/revocation"
)

// deadURL is an address nothing listens on.
func deadURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/x"
}

func newPKI(t *testing.T) *pdftest.PKI {
	t.Helper()
	p, err := pdftest.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func official(t *testing.T, p *pdftest.PKI, ocspURLs, crlURLs []string) *x509.Certificate {
	t.Helper()
	p.OCSPServer, p.CRLDistributionPoints = ocspURLs, crlURLs
	c, _, err := p.Official("Nguyễn Văn A", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCheck: OCSP and CRL answers from real HTTP servers, good and
// revoked, falling back to the CRL when the responder is down, and
// unknown when nothing answers.
func TestCheck(t *testing.T) {
	p := newPKI(t)
	rv := p.Revocation(t)
	dead := deadURL(t)
	for _, tc := range []struct {
		name        string
		ocsp, crl   []string
		revoke      bool
		want        revocation.Status
		source      string
		problemWith string
	}{
		{"ocsp good", []string{rv.OCSPURL}, nil, false, revocation.Good, "ocsp", ""},
		{"ocsp revoked", []string{rv.OCSPURL}, nil, true, revocation.Revoked, "ocsp", ""},
		{"crl good", nil, []string{rv.CRLURL}, false, revocation.Good, "crl", ""},
		{"crl revoked", nil, []string{rv.CRLURL}, true, revocation.Revoked, "crl", ""},
		{"ocsp unreachable, crl revoked", []string{dead}, []string{rv.CRLURL}, true, revocation.Revoked, "crl", "OCSP " + dead},
		{"nothing reachable", []string{dead}, []string{dead}, false, revocation.Unknown, "", "CRL " + dead},
		{"no address", nil, nil, false, revocation.Unknown, "", "names no OCSP responder"},
		{"not http", []string{"ldap://ldap.example/ca"}, []string{"file:///etc/passwd"}, false, revocation.Unknown, "", "scheme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cert := official(t, p, tc.ocsp, tc.crl)
			if tc.revoke {
				rv.Revoke(cert)
			}
			a := revocation.New(revocation.Config{Timeout: 2 * time.Second}).Check(context.Background(), cert, p.CA)
			if a.Status != tc.want || a.Source != tc.source || !strings.Contains(strings.Join(a.Problems, "\n"), tc.problemWith) {
				t.Fatalf("%+v, want %s from %q with a problem naming %q", a, tc.want, tc.source, tc.problemWith)
			}
			if tc.want == revocation.Revoked && a.RevokedAt.IsZero() {
				t.Errorf("no revocation time: %+v", a)
			}
			if (tc.source == "ocsp") != (len(a.OCSP) > 0) || (tc.source == "crl") != (len(a.CRL) > 0) {
				t.Errorf("validation data: %d bytes of OCSP, %d of CRL from %q", len(a.OCSP), len(a.CRL), tc.source)
			}
			en, vi := a.Describe()
			if en == "" || vi == "" {
				t.Errorf("Describe: %q %q", en, vi)
			}
		})
	}
}

// TestCacheUntilNextUpdate: a second check before nextUpdate asks nobody;
// after it, the responder is asked again.
func TestCacheUntilNextUpdate(t *testing.T) {
	p := newPKI(t)
	rv := p.Revocation(t)
	cert := official(t, p, []string{rv.OCSPURL}, []string{rv.CRLURL})
	now := time.Now()
	c := revocation.New(revocation.Config{Now: func() time.Time { return now }})
	for range 3 {
		if a := c.Check(context.Background(), cert, p.CA); a.Status != revocation.Good {
			t.Fatal(a)
		}
	}
	if n := rv.OCSPRequests.Load(); n != 1 {
		t.Fatalf("%d OCSP requests for three checks within nextUpdate, want 1", n)
	}
	now = now.Add(rv.Validity + time.Minute)
	rv.Down(true)
	if a := c.Check(context.Background(), cert, p.CA); a.Status != revocation.Unknown {
		t.Fatalf("after nextUpdate with the responder down: %+v, want unknown (the cached answer is stale)", a)
	}
	if n := rv.OCSPRequests.Load(); n != 2 {
		t.Fatalf("%d OCSP requests, want 2", n)
	}
}

// hostile serves h as an OCSP responder and returns a certificate naming it.
func hostile(t *testing.T, p *pdftest.PKI, h http.HandlerFunc) *x509.Certificate {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return official(t, p, []string{srv.URL}, nil)
}

// TestHostileResponders: answers too large, too slow, signed by someone
// the issuer never authorised, stale or about another certificate are
// not believed, and cost bounded time and bytes.
func TestHostileResponders(t *testing.T) {
	p := newPKI(t)
	t.Run("huge", func(t *testing.T) {
		var sent atomic.Int64
		cert := hostile(t, p, func(w http.ResponseWriter, r *http.Request) {
			chunk := make([]byte, 64<<10)
			for sent.Load() < 1<<30 {
				n, err := w.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return
				}
			}
		})
		a := revocation.New(revocation.Config{Timeout: 5 * time.Second}).Check(context.Background(), cert, p.CA)
		if a.Status != revocation.Unknown || !strings.Contains(strings.Join(a.Problems, ""), "longer than") {
			t.Fatalf("%+v", a)
		}
		// The client stops reading after the limit (64 KiB); what the
		// server got out is that plus the socket buffers.
		time.Sleep(100 * time.Millisecond)
		if n := sent.Load(); n > 16<<20 {
			t.Fatalf("the responder wrote %d MiB before the client gave up", n>>20)
		}
	})
	t.Run("slow", func(t *testing.T) {
		cert := hostile(t, p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/ocsp-response")
			w.WriteHeader(200)
			for range 60 { // a byte a second for a minute
				if _, err := w.Write([]byte{0x30}); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(time.Second):
				}
			}
		})
		start := time.Now()
		a := revocation.New(revocation.Config{Timeout: 500 * time.Millisecond}).Check(context.Background(), cert, p.CA)
		if a.Status != revocation.Unknown {
			t.Fatalf("%+v", a)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Fatalf("a responder dripping one byte a second held the check %s", d)
		}
	})

	// Signed by the official's own key, certified by the CA but not for
	// OCSP: the certificate vouching for itself.
	other, otherKey, err := p.Official("Lê Văn Cường", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	rogueKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	// Same name as the real CA, another key.
	rogue, err := certs.Issue(&x509.Certificate{SerialNumber: big.NewInt(99), Subject: p.CA.Subject, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}, rogueKey.Public(), nil, rogueKey)
	if err != nil {
		t.Fatal(err)
	}
	delegateKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	delegate, err := certs.Issue(&x509.Certificate{SerialNumber: big.NewInt(98), Subject: pkix.Name{CommonName: "Sohoa OCSP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}}, delegateKey.Public(), p.CA, p.CAKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		signer *x509.Certificate
		key    signerKey
		mod    func(cert *x509.Certificate, r *ocsp.Response)
		want   revocation.Status
	}{
		{"delegated responder", delegate, delegateKey, nil, revocation.Good},
		{"another CA's key", rogue, rogueKey, nil, revocation.Unknown},
		{"an official's certificate, not for OCSP", other, otherKey, nil, revocation.Unknown},
		{"stale", p.CA, p.CAKey, func(_ *x509.Certificate, r *ocsp.Response) {
			r.ThisUpdate, r.NextUpdate = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
		}, revocation.Unknown},
		{"from the future", p.CA, p.CAKey, func(_ *x509.Certificate, r *ocsp.Response) { r.ThisUpdate = time.Now().Add(time.Hour) }, revocation.Unknown},
		{"about another certificate", p.CA, p.CAKey, func(_ *x509.Certificate, r *ocsp.Response) { r.SerialNumber = big.NewInt(12345) }, revocation.Unknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cert *x509.Certificate
			cert = hostile(t, p, func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, io.LimitReader(r.Body, 1<<16))
				tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: cert.SerialNumber, ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour)}
				if !tc.signer.Equal(p.CA) {
					tmpl.Certificate = tc.signer
				}
				if tc.mod != nil {
					tc.mod(cert, &tmpl)
				}
				der, err := ocsp.CreateResponse(p.CA, tc.signer, tmpl, tc.key)
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				w.Write(der)
			})
			a := revocation.New(revocation.Config{}).Check(context.Background(), cert, p.CA)
			if a.Status != tc.want {
				t.Fatalf("%+v, want %s", a, tc.want)
			}
		})
	}
	t.Run("a CRL of another CA's key", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			der, _ := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Minute),
				NextUpdate: time.Now().Add(time.Hour)}, rogue, rogueKey)
			w.Write(der)
		}))
		defer srv.Close()
		cert := official(t, p, nil, []string{srv.URL})
		if a := revocation.New(revocation.Config{}).Check(context.Background(), cert, p.CA); a.Status != revocation.Unknown || !strings.Contains(a.Problems[0], "signature") {
			t.Fatalf("%+v", a)
		}
	})
}

type signerKey = interface {
	Public() crypto.PublicKey
	Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error)
}

// TestSilentResponderLeftAlone: a responder that lets a request time out
// is not asked again for a while, so that each document of a desk session
// does not wait the full timeout on a site whose network drops packets;
// after that while it is asked again.
func TestSilentResponderLeftAlone(t *testing.T) {
	p := newPKI(t)
	var asked atomic.Int64
	cert := hostile(t, p, func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		io.Copy(io.Discard, r.Body) // then the server notices the client leaving
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	now := time.Now()
	c := revocation.New(revocation.Config{Timeout: 300 * time.Millisecond, Now: func() time.Time { return now }})
	for range 3 {
		if a := c.Check(context.Background(), cert, p.CA); a.Status != revocation.Unknown {
			t.Fatal(a)
		}
	}
	if n := asked.Load(); n != 1 {
		t.Fatalf("a silent responder was asked %d times in a row, want once", n)
	}
	now = now.Add(2 * time.Minute)
	c.Check(context.Background(), cert, p.CA)
	if n := asked.Load(); n != 2 {
		t.Fatalf("asked %d times after the pause, want 2", n)
	}
}
