package web

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/storagetest"
)

// TestOpenAPIInSync: every route the server registers is described in
// openapi.yaml with its method, and the description names no route the
// server lacks.
func TestOpenAPIInSync(t *testing.T) {
	ctx := context.Background()
	recs, err := storage.OpenRecordsURL(ctx, filepath.Join(t.TempDir(), "sohoa.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	blobs := storagetest.LocalBlobs(t)
	review, err := storage.OpenReviewRecords(ctx, recs.DB())
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Records: recs, Blobs: blobs, Intake: &ingest.Intake{Records: recs, Blobs: blobs},
		Search: NewSearch(nil, SearchOptions{}).API(), Review: review})
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(OpenAPI(), &spec); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	described := map[string]bool{}
	for p, ops := range spec.Paths {
		for m := range ops {
			if m != "parameters" {
				described[strings.ToUpper(m)+" "+p] = true
			}
		}
	}
	served := map[string]bool{}
	for _, r := range s.patterns {
		method, path, ok := strings.Cut(r, " ")
		if !ok || path == "/" {
			continue // catch-alls: the page and the 404 of /v1/
		}
		served[r] = true
		if !described[r] {
			t.Errorf("route %s %s is not in openapi.yaml", method, path)
		}
	}
	for d := range described {
		if !served[d] {
			t.Errorf("openapi.yaml describes %s, which the server does not serve", d)
		}
	}
}
