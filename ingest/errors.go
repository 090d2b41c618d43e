package ingest

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Error is a refusal the client can act on: an HTTP status and a message in
// Vietnamese and English naming what is wrong (the field, the file, the page).
// The API writes it as {"error": EN, "error_vi": VI, "field": ..., "file": ...}.
type Error struct {
	Status int    // HTTP status: 400, 404, 409, 413, 415, 422...
	Field  string // manifest field, when the problem is one
	File   string // page file name, when the problem is one
	VI, EN string
	Err    error // underlying cause, if any
	// RetryAfter, when set, is how long the client should wait before
	// sending again (a 429 over a station's limits): the API's Retry-After.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.EN }
func (e *Error) Unwrap() error { return e.Err }

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

func badManifest(field, vi, en string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Field: field,
		VI: "manifest: " + vi, EN: "manifest: " + en}
}

func badFile(status int, file, vi, en string, cause error) *Error {
	return &Error{Status: status, File: file,
		VI: fmt.Sprintf("tệp %q: %s", file, vi), EN: fmt.Sprintf("file %q: %s", file, en), Err: cause}
}
