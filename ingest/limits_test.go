package ingest

import (
	"testing"

	"github.com/sohoa/sohoa/ocr"
)

// WithDefaults takes a bound that is unset or below zero as its default,
// never as "no bound", keeps one that is set, and never lets one file have
// more pages than its batch may.
func TestLimitsWithDefaults(t *testing.T) {
	for _, in := range []Limits{{}, {MaxFileBytes: -1, MaxBatchBytes: -1, MaxBatchPages: -1, MaxBatchPixels: -1, Image: ocr.Limits{MaxPixels: -1}}} {
		got := in.WithDefaults()
		if got.MaxFileBytes != DefaultMaxFileBytes || got.MaxBatchBytes != DefaultMaxBatchBytes || got.MaxBatchPages != DefaultMaxBatchPages ||
			got.MaxBatchPixels != DefaultMaxBatchPixels || got.Image.MaxPixels != DefaultMaxPagePixels || got.Image.MaxPages != DefaultMaxBatchPages {
			t.Errorf("%+v.WithDefaults() = %+v", in, got)
		}
	}
	set := Limits{MaxFileBytes: 1, MaxBatchBytes: 2, MaxBatchPages: 3, MaxBatchPixels: 4, Image: ocr.Limits{MaxPixels: 5, MaxPages: 9}}
	if got := set.WithDefaults(); got.MaxFileBytes != 1 || got.MaxBatchBytes != 2 || got.MaxBatchPages != 3 ||
		got.MaxBatchPixels != 4 || got.Image.MaxPixels != 5 || got.Image.MaxPages != 3 {
		t.Errorf("%+v.WithDefaults() = %+v", set, got)
	}
}
