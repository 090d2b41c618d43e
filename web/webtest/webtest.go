// Package webtest is test support for the HTTP API, imported only by tests
// (never linked into sohoa): one request with a token, its answer read
// whole, so that a test states what it sends and what it checks, not the
// plumbing of net/http.
package webtest

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// Do sends req with token as its Bearer credential (none when token is
// empty) and returns the answer with its body read whole. A request that
// gets no answer fails t.
func Do(t testing.TB, req *http.Request, token string) (*http.Response, []byte) {
	t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

// Call sends method to url with token and a body of content type ctype
// (empty for none), decodes a JSON answer into out (when out is not nil
// and the answer has a body) and returns the status. An answer that is not
// the JSON expected fails t.
func Call(t testing.TB, method, url, token string, body io.Reader, ctype string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, data := Do(t, req, token)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %q: %v", method, url, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// ReviewPage is GET /v1/review/{batch}/pages/{page} as the review page
// reads it: each line's words, with why OCR doubts them ("" when it does
// not).
type ReviewPage struct {
	Lines []struct {
		Words []struct {
			Text  string `json:"text"`
			Doubt string `json:"doubt"`
		} `json:"words"`
	} `json:"lines"`
}
