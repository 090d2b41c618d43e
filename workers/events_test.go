package workers

import (
	"fmt"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
)

func TestEventRoutingKey(t *testing.T) {
	tests := []struct {
		dossierCode, payload, want string
	}{
		// TT 01/2018 dossier code: the agency code comes first.
		{"000.00.31.H33-220804-0001", `{"result_code":"x"}`, "result.ready.000.00.31.H33"},
		// TT 04/2025 dossier code.
		{"H33.01.02-260125-010001", `{}`, "result.ready.H33.01.02"},
		// An agency code in the payload wins.
		{"000.00.31.H33-220804-0001", `{"agency_code":"G01.99"}`, "result.ready.G01.99"},
		{"", `not json`, "result.ready"},
	}
	for _, tc := range tests {
		ev := dossier.Event{Kind: dossier.EventResultReady, DossierCode: tc.dossierCode, Payload: []byte(tc.payload)}
		got := EventBody{Kind: ev.Kind, AgencyCode: agencyOf(ev)}.RoutingKey()
		if got != tc.want {
			t.Errorf("%s %s: routing key %q, want %q", tc.dossierCode, tc.payload, got, tc.want)
		}
	}
}

func TestSign(t *testing.T) {
	// RFC 4231 test case 2.
	got := Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestBackoff(t *testing.T) {
	b := ExpBackoff(2*time.Second, time.Minute)
	var got []string
	for a := 1; a <= 7; a++ {
		got = append(got, fmt.Sprint(b(a), "→", retryDelay(b(a))))
	}
	want := "[2s→2s 4s→4s 8s→8s 16s→30s 32s→1m0s 1m0s→1m0s 1m0s→1m0s]"
	if fmt.Sprint(got) != want {
		t.Errorf("backoff and delay queues: %v, want %s", got, want)
	}
	if d := retryDelay(time.Hour); d != 10*time.Minute {
		t.Errorf("retryDelay(1h) = %s, want the longest delay queue, 10m", d)
	}
	if d := retryDelay(0); d != time.Second {
		t.Errorf("retryDelay(0) = %s, want 1s", d)
	}
}
