package web

import (
	_ "embed"
	"net/http"
)

// openAPISpec is the API description, kept beside the handlers.
//
//go:embed openapi.yaml
var openAPISpec []byte

// OpenAPI returns the OpenAPI description served at /openapi.yaml.
func OpenAPI() []byte { return openAPISpec }

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Write(openAPISpec)
}
