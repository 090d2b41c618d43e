package ingest

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// SigningQueue lists the desk's documents in state (GET /v1/signing):
// dossier.SigningAwaiting for what waits for its official.
func (c *Client) SigningQueue(ctx context.Context, state string) ([]dossier.SigningRequest, error) {
	out, err := getJSON[struct {
		Requests []dossier.SigningRequest `json:"requests"`
	}](ctx, c, "/v1/signing?state="+url.QueryEscape(state))
	if err != nil {
		return nil, err
	}
	return out.Requests, nil
}

// SigningRequest reads one request (GET /v1/signing/{id}): what the
// official is about to sign.
func (c *Client) SigningRequest(ctx context.Context, id string) (*dossier.SigningRequest, error) {
	return getJSON[dossier.SigningRequest](ctx, c, "/v1/signing/"+url.PathEscape(id))
}

// PrepareSigning presents the official's certificate chain for a request
// (POST /v1/signing/{id}/prepare) and returns what the token must sign.
func (c *Client) PrepareSigning(ctx context.Context, id string, chain []*x509.Certificate) (*dossier.SigningDigest, error) {
	return postJSON[dossier.SigningDigest](ctx, c, "/v1/signing/"+url.PathEscape(id)+"/prepare", map[string]any{"chain": rawChain(chain)})
}

// PostSignature sends the token's signature value for a prepared request
// (POST /v1/signing/{id}/signature) and returns the linked result.
func (c *Client) PostSignature(ctx context.Context, id string, signature []byte, chain []*x509.Certificate) (*dossier.Result, error) {
	return postJSON[dossier.Result](ctx, c, "/v1/signing/"+url.PathEscape(id)+"/signature", map[string]any{"signature": signature, "chain": rawChain(chain)})
}

// ReopenSigning gives an expired request a new deadline, within from now
// (0: the server's configured one): POST /v1/signing/{id}/reopen, an
// admin's action.
func (c *Client) ReopenSigning(ctx context.Context, id string, within time.Duration) (*dossier.SigningRequest, error) {
	body := map[string]string{}
	if within > 0 {
		body["deadline"] = within.String()
	}
	return postJSON[dossier.SigningRequest](ctx, c, "/v1/signing/"+url.PathEscape(id)+"/reopen", body)
}

func rawChain(chain []*x509.Certificate) [][]byte {
	out := make([][]byte, len(chain))
	for i, c := range chain {
		out[i] = c.Raw
	}
	return out
}

// postJSON posts body as JSON and decodes a 200 or 202 answer into a new
// T; any other answer is an *APIError.
func postJSON[T any](ctx context.Context, c *Client, path string, body any) (*T, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	var v T
	if err := c.doJSON(ctx, http.MethodPost, path, bytes.NewReader(b), &v); err != nil {
		return nil, err
	}
	return &v, nil
}
