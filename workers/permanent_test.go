package workers

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cenkalti/backoff/v5"
	"github.com/sohoa/sohoa/storage"
)

// TestStoragePermanentIsPermanent: a storage error that no retry can fix
// (a key the store cannot hold) ends the job at once as an exception an
// operator sees, instead of being retried for every attempt.
func TestStoragePermanentIsPermanent(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{backoff.Permanent(errors.New("bad arguments")), true},
		{fmt.Errorf("store result: %w", storage.ErrInvalidKey), true},
		{fmt.Errorf("store result: %w", backoff.Permanent(errors.New("name too long"))), true},
		{fmt.Errorf("store result: %w", errors.New("connection refused")), false},
		{context.DeadlineExceeded, false},
	} {
		if got := IsPermanent(tc.err); got != tc.want {
			t.Errorf("IsPermanent(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
