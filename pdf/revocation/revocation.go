// Package revocation asks whether a certificate has been revoked: first
// the OCSP responder named in its Authority Information Access extension,
// then the CRL at its distribution point. Both come from the network,
// from servers the certificate names, so every answer is bounded (time,
// bytes, redirects) and checked before it is believed: signed by the
// issuer or by a responder the issuer delegated OCSP signing to, about
// this certificate, and current. A Checker keeps answers until their
// nextUpdate so that a desk signing fifty documents asks once.
package revocation

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"
)

// Status is what is known of a certificate.
type Status string

const (
	Good    Status = "good"
	Revoked Status = "revoked"
	// Unknown: no responder answered, or none could be believed (the
	// certificate names none, the network is down, the answer was too
	// large, too slow, stale or signed by someone else).
	Unknown Status = "unknown"
)

// Answer is the outcome of one check.
type Answer struct {
	Status Status
	Source string // "ocsp" or "crl": where a Good or Revoked came from
	URL    string
	// ThisUpdate and NextUpdate bound the answer's validity; NextUpdate
	// is zero when the responder gave none.
	ThisUpdate, NextUpdate time.Time
	RevokedAt              time.Time
	// Problems says, for an Unknown, what was tried and why each failed
	// (also the failures before a later source answered).
	Problems []string
	// OCSP is the DER OCSP response, CRL the DER CRL, that gave the
	// status: validation data a signature can carry.
	OCSP, CRL []byte
}

// Describe is a one-line account of the answer for an audit log, in
// English and Vietnamese.
func (a Answer) Describe() (en, vi string) {
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
	switch a.Status {
	case Good:
		return "not revoked (" + a.Source + " " + a.URL + ", " + day(a.ThisUpdate) + ")",
			"chưa bị thu hồi (" + a.Source + " " + a.URL + ", " + day(a.ThisUpdate) + ")"
	case Revoked:
		return "revoked on " + day(a.RevokedAt) + " (" + a.Source + " " + a.URL + ")",
			"đã bị thu hồi ngày " + day(a.RevokedAt) + " (" + a.Source + " " + a.URL + ")"
	}
	why := strings.Join(a.Problems, "; ")
	return "revocation status unknown: " + why, "không xác định được tình trạng thu hồi: " + why
}

// Config bounds a Checker. Zero values take the defaults.
type Config struct {
	// Timeout bounds each request, headers and body (5 s).
	Timeout time.Duration
	// MaxOCSP and MaxCRL bound the bytes read of a response (64 KiB and
	// 16 MiB: a provincial CA's full CRL is a few MiB).
	MaxOCSP, MaxCRL int64
	// MaxCached bounds the answers and CRLs kept (1024).
	MaxCached int
	// SilentFor is how long an address that timed out is left alone (1 min).
	SilentFor time.Duration
	// Client sends the requests; one with Timeout and at most 3
	// redirects, each to http or https, when nil.
	Client *http.Client
	Now    func() time.Time // time.Now when nil
}

// Checker checks certificates and caches the answers; safe for
// concurrent use.
type Checker struct {
	cfg Config
	mu  sync.Mutex
	// answers are OCSP answers by issuer and serial; crls parsed CRLs by
	// issuer and URL. Each is dropped after its NextUpdate.
	answers map[string]Answer
	crls    map[string]*cachedCRL
	// silent holds addresses that let a request time out, until when
	// they are not asked again: on a site whose network drops packets
	// every document of a desk session would otherwise wait the full
	// timeout (under prefer, where an unanswered check is not refused).
	silent map[string]time.Time
}

type cachedCRL struct {
	list *x509.RevocationList
	raw  []byte
	url  string
}

// skew is how far a responder's clock may run ahead of ours.
const skew = 5 * time.Minute

// New returns a Checker.
func New(cfg Config) *Checker {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.MaxOCSP <= 0 {
		cfg.MaxOCSP = 64 << 10
	}
	if cfg.MaxCRL <= 0 {
		cfg.MaxCRL = 16 << 20
	}
	if cfg.MaxCached <= 0 {
		cfg.MaxCached = 1024
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SilentFor <= 0 {
		cfg.SilentFor = time.Minute
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{
			Timeout: cfg.Timeout,
			CheckRedirect: func(r *http.Request, via []*http.Request) error {
				if len(via) >= 3 {
					return errors.New("too many redirects")
				}
				return checkURL(r.URL)
			},
		}
	}
	return &Checker{cfg: cfg, answers: map[string]Answer{}, crls: map[string]*cachedCRL{}, silent: map[string]time.Time{}}
}

// maxURLs bounds the responders and distribution points tried for one
// certificate: a certificate naming dozens must not buy dozens of timeouts.
const maxURLs = 2

// Check asks whether cert, issued by issuer, is revoked: OCSP first,
// then the CRL; the first Good or Revoked answer wins. It never returns
// an error: what went wrong is in an Unknown answer's Problems.
func (c *Checker) Check(ctx context.Context, cert, issuer *x509.Certificate) Answer {
	if cert == nil || issuer == nil {
		return Answer{Status: Unknown, Problems: []string{"the issuer's certificate is not known"}}
	}
	now := c.cfg.Now()
	key := string(issuer.RawSubjectPublicKeyInfo) + "\x00" + cert.SerialNumber.String()
	c.mu.Lock()
	if a, ok := c.answers[key]; ok && now.Before(a.NextUpdate) {
		c.mu.Unlock()
		return a
	}
	c.mu.Unlock()

	var problems []string
	for _, src := range []struct {
		kind string
		urls []string
		ask  func(context.Context, string, *x509.Certificate, *x509.Certificate, time.Time) (Answer, error)
	}{
		{"OCSP", cert.OCSPServer, func(ctx context.Context, u string, cert, issuer *x509.Certificate, now time.Time) (Answer, error) {
			a, err := c.askOCSP(ctx, u, cert, issuer, now)
			if err == nil && !a.NextUpdate.IsZero() {
				c.remember(func() { c.answers[key] = a }, now)
			}
			return a, err
		}},
		{"CRL", cert.CRLDistributionPoints, c.askCRL},
	} {
		for i, u := range src.urls {
			if i == maxURLs {
				break
			}
			a, err := src.ask(ctx, u, cert, issuer, now)
			if err != nil {
				problems = append(problems, src.kind+" "+u+": "+err.Error())
				continue
			}
			a.Problems = problems
			return a
		}
	}
	if len(problems) == 0 {
		problems = []string{"the certificate names no OCSP responder and no CRL"}
	}
	return Answer{Status: Unknown, Problems: problems}
}

// remember stores an entry, first dropping expired ones, and everything
// when the cache is still full (a simple bound; answers are cheap to ask
// again).
func (c *Checker) remember(store func(), now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.answers)+len(c.crls)+len(c.silent) >= c.cfg.MaxCached {
		for k, a := range c.answers {
			if !now.Before(a.NextUpdate) {
				delete(c.answers, k)
			}
		}
		for k, l := range c.crls {
			if !now.Before(l.list.NextUpdate) {
				delete(c.crls, k)
			}
		}
		for k, until := range c.silent {
			if !now.Before(until) {
				delete(c.silent, k)
			}
		}
		if len(c.answers)+len(c.crls)+len(c.silent) >= c.cfg.MaxCached {
			clear(c.answers)
			clear(c.crls)
			clear(c.silent)
		}
	}
	store()
}

func checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme %q is not http or https", u.Scheme)
	}
	return nil
}

// fetch sends a request (a POST when body is not nil) and reads at most
// limit bytes of a 200 answer.
func (c *Checker) fetch(ctx context.Context, rawURL, contentType string, body []byte, limit int64) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if err := checkURL(u); err != nil {
		return nil, err
	}
	now := c.cfg.Now()
	c.mu.Lock()
	until, quiet := c.silent[rawURL]
	c.mu.Unlock()
	if quiet && now.Before(until) {
		return nil, fmt.Errorf("did not answer within %s a moment ago; not asked again before %s", c.cfg.Timeout, until.UTC().Format(time.TimeOnly))
	}
	b, err := c.get(ctx, u, contentType, body, limit)
	var ne net.Error
	if err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()) && ctx.Err() == nil {
		c.remember(func() { c.silent[rawURL] = now.Add(c.cfg.SilentFor) }, now)
	}
	return b, err
}

func (c *Checker) get(ctx context.Context, u *url.URL, contentType string, body []byte, limit int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	method, rd := http.MethodGet, io.Reader(nil)
	if body != nil {
		method, rd = http.MethodPost, bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.cfg.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("answer of %d bytes, more than the %d accepted", resp.ContentLength, limit)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("answer longer than the %d bytes accepted", limit)
	}
	return b, nil
}

func (c *Checker) askOCSP(ctx context.Context, u string, cert, issuer *x509.Certificate, now time.Time) (Answer, error) {
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return Answer{}, err
	}
	raw, err := c.fetch(ctx, u, "application/ocsp-request", req, c.cfg.MaxOCSP)
	if err != nil {
		return Answer{}, err
	}
	// ParseResponseForCert checks the signature: by the issuer, or by the
	// certificate the response carries when the issuer signed that one.
	resp, err := ocsp.ParseResponseForCert(raw, cert, issuer)
	if err != nil {
		return Answer{}, err
	}
	if r := resp.Certificate; r != nil && !r.Equal(issuer) {
		// A delegated responder (RFC 6960 4.2.2.2) must carry the OCSP
		// signing purpose: otherwise any certificate of the same CA, an
		// official's own, could vouch for itself or for anyone.
		delegated := false
		for _, eku := range r.ExtKeyUsage {
			delegated = delegated || eku == x509.ExtKeyUsageOCSPSigning
		}
		if !delegated {
			return Answer{}, errors.New("signed by a certificate not authorised to sign OCSP responses")
		}
		if now.Before(r.NotBefore) || now.After(r.NotAfter) {
			return Answer{}, errors.New("the responder's certificate is not valid now")
		}
	}
	if err := current(resp.ThisUpdate, resp.NextUpdate, now); err != nil {
		return Answer{}, err
	}
	a := Answer{Source: "ocsp", URL: u, ThisUpdate: resp.ThisUpdate, NextUpdate: resp.NextUpdate, OCSP: raw}
	switch resp.Status {
	case ocsp.Good:
		a.Status = Good
	case ocsp.Revoked:
		a.Status, a.RevokedAt = Revoked, resp.RevokedAt
	default:
		return Answer{}, errors.New("the responder does not know the certificate")
	}
	return a, nil
}

// current refuses an answer from the future or past its next update.
func current(this, next, now time.Time) error {
	if this.After(now.Add(skew)) {
		return fmt.Errorf("issued in the future (%s)", this.UTC().Format(time.RFC3339))
	}
	if !next.IsZero() && now.After(next) {
		return fmt.Errorf("stale: its next update was due %s", next.UTC().Format(time.RFC3339))
	}
	return nil
}

func (c *Checker) askCRL(ctx context.Context, u string, cert, issuer *x509.Certificate, now time.Time) (Answer, error) {
	key := string(issuer.RawSubjectPublicKeyInfo) + "\x00" + u
	c.mu.Lock()
	cl, ok := c.crls[key]
	c.mu.Unlock()
	if !ok || !now.Before(cl.list.NextUpdate) {
		raw, err := c.fetch(ctx, u, "", nil, c.cfg.MaxCRL)
		if err != nil {
			return Answer{}, err
		}
		list, err := x509.ParseRevocationList(raw)
		if err != nil {
			return Answer{}, err
		}
		if !bytes.Equal(list.RawIssuer, issuer.RawSubject) {
			return Answer{}, errors.New("the CRL is another authority's")
		}
		if err := list.CheckSignatureFrom(issuer); err != nil {
			return Answer{}, fmt.Errorf("the CRL's signature: %w", err)
		}
		if err := current(list.ThisUpdate, list.NextUpdate, now); err != nil {
			return Answer{}, err
		}
		cl = &cachedCRL{list: list, raw: raw, url: u}
		if !list.NextUpdate.IsZero() {
			c.remember(func() { c.crls[key] = cl }, now)
		}
	}
	a := Answer{Status: Good, Source: "crl", URL: u, ThisUpdate: cl.list.ThisUpdate, NextUpdate: cl.list.NextUpdate, CRL: cl.raw}
	for _, e := range cl.list.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			a.Status, a.RevokedAt = Revoked, e.RevocationTime
			break
		}
	}
	return a, nil
}

// Policy says what a missing or revoked answer means for a signature.
type Policy string

const (
	// Prefer refuses a revoked certificate and goes on, noting it, when
	// nobody answered: the default, for sites whose network comes and goes.
	Prefer Policy = "prefer"
	// Require also refuses a certificate whose status nobody confirmed.
	Require Policy = "require"
	// Off checks nothing: for sites with no network to a CA.
	Off Policy = "off"
)

// ParsePolicy reads a --revocation value; "" is Prefer.
func ParsePolicy(s string) (Policy, error) {
	switch p := Policy(s); p {
	case "":
		return Prefer, nil
	case Prefer, Require, Off:
		return p, nil
	}
	return "", fmt.Errorf("revocation policy %q: want require, prefer or off", s)
}

// Refuses reports whether a signature by a certificate with answer a is
// refused under p.
func (p Policy) Refuses(a Answer) bool {
	switch p {
	case Off:
		return false
	case Require:
		return a.Status != Good
	}
	return a.Status == Revoked
}

// IssuerOf finds the certificate that issued chain[0]: by verifying the
// chain to roots when given, else among chain[1:]. Nil when none did.
func IssuerOf(chain []*x509.Certificate, roots *x509.CertPool) *x509.Certificate {
	if len(chain) == 0 {
		return nil
	}
	if roots != nil {
		inter := x509.NewCertPool()
		for _, c := range chain[1:] {
			inter.AddCert(c)
		}
		chains, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err == nil && len(chains) > 0 && len(chains[0]) > 1 {
			return chains[0][1]
		}
	}
	for _, c := range chain[1:] {
		if chain[0].CheckSignatureFrom(c) == nil {
			return c
		}
	}
	return nil
}
