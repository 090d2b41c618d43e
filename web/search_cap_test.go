package web

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestSearchQueryCap: an over-long query is refused with a bilingual 400
// before it reaches the index (the index here is nil: touching it would
// panic).
func TestSearchQueryCap(t *testing.T) {
	api := NewSearch(nil, SearchOptions{}).API()
	tests := []struct {
		name, q string
		ok      bool
		says    string
	}{
		{"32 words", strings.Repeat("a ", MaxQueryWords), true, ""},
		{"33 words", strings.Repeat("a ", MaxQueryWords+1), false, "too many words in the query (33, at most 32)"},
		{"40,000 words", strings.Repeat("nguyen ", 40000), false, "query too long"},
		{"513 bytes", strings.Repeat("đ", 256) + "x", false, "query too long (513 bytes, at most 512)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSearchQuery(url.Values{"q": {tt.q}})
			if (err == nil) != tt.ok {
				t.Fatalf("ParseSearchQuery: %v, want ok=%v", err, tt.ok)
			}
			if tt.ok {
				return
			}
			w := httptest.NewRecorder()
			api.ServeHTTP(w, httptest.NewRequest("GET", "/v1/search?"+url.Values{"q": {tt.q}}.Encode(), nil))
			var e apiErrorBody
			json.Unmarshal(w.Body.Bytes(), &e)
			if w.Code != 400 || !strings.Contains(e.Error, tt.says) || !strings.Contains(e.ErrorVI, "tối đa") {
				t.Errorf("got %d %+v, want 400 saying %q", w.Code, e, tt.says)
			}
		})
	}
}
