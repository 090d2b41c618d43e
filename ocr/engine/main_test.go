package engine

import (
	"testing"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
)

func TestMain(m *testing.M) { sohoatest.Main(m, MaybeServe) }
