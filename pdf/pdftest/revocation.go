package pdftest

import (
	"crypto/rand"
	"crypto/x509"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// Revocation is the PKI's CA answering revocation questions over real
// HTTP: an OCSP responder (x/crypto/ocsp, responses signed by the CA
// itself) at OCSPURL and a CRL at CRLURL, both valid for Validity. Give
// certificates these addresses (PKI.OCSPServer, PKI.CRLDistributionPoints)
// to make them checkable.
type Revocation struct {
	OCSPURL, CRLURL string
	Validity        time.Duration
	// Requests counts the requests each address received.
	OCSPRequests, CRLRequests atomic.Int64

	p       *PKI
	mu      sync.Mutex
	revoked map[string]time.Time
	down    bool
}

// Revocation starts the responder and the CRL server for the test's length.
func (p *PKI) Revocation(t testing.TB) *Revocation {
	t.Helper()
	r := &Revocation{p: p, Validity: time.Hour, revoked: map[string]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ocsp", r.ocsp)
	mux.HandleFunc("GET /ca.crl", r.crl)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	r.OCSPURL, r.CRLURL = srv.URL+"/ocsp", srv.URL+"/ca.crl"
	return r
}

// Revoke marks a certificate revoked from now on, in both answers.
func (r *Revocation) Revoke(c *x509.Certificate) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.revoked[c.SerialNumber.String()] = time.Now().Add(-time.Minute).Truncate(time.Second)
}

// Down makes both addresses answer 503 (true) or serve again (false).
func (r *Revocation) Down(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

func (r *Revocation) isDown(w http.ResponseWriter) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}
	return r.down
}

func (r *Revocation) ocsp(w http.ResponseWriter, req *http.Request) {
	r.OCSPRequests.Add(1)
	if r.isDown(w) {
		return
	}
	body, _ := io.ReadAll(io.LimitReader(req.Body, 64<<10))
	q, err := ocsp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	now := time.Now().Truncate(time.Second)
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: q.SerialNumber, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(r.Validity)}
	r.mu.Lock()
	if at, ok := r.revoked[q.SerialNumber.String()]; ok {
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, at, ocsp.KeyCompromise
	}
	r.mu.Unlock()
	resp, err := ocsp.CreateResponse(r.p.CA, r.p.CA, tmpl, r.p.CAKey)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(resp)
}

func (r *Revocation) crl(w http.ResponseWriter, req *http.Request) {
	r.CRLRequests.Add(1)
	if r.isDown(w) {
		return
	}
	now := time.Now().Truncate(time.Second)
	tmpl := &x509.RevocationList{Number: big.NewInt(now.Unix()), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(r.Validity)}
	r.mu.Lock()
	for s, at := range r.revoked {
		n, _ := new(big.Int).SetString(s, 10)
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: at})
	}
	r.mu.Unlock()
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, r.p.CA, r.p.CAKey)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Write(der)
}
