package ocr

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	MaybeServeEngine()
	os.Exit(m.Run())
}
