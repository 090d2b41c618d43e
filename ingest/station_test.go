package ingest

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ingest/dossier"
)

// TestSendAsStation: a station token sends as its own station, whatever
// the manifest names; the other roles name any station, or none.
func TestSendAsStation(t *testing.T) {
	station := &dossier.Token{Role: dossier.RoleStation, Name: "quay-1"}
	admin := &dossier.Token{Role: dossier.RoleAdmin, Name: "lead"}
	for _, tc := range []struct {
		name    string
		tok     *dossier.Token
		named   string
		want    string // the station afterwards
		refused bool
	}{
		{"station naming none", station, "", "quay-1", false},
		{"station naming itself", station, "quay-1", "quay-1", false},
		{"station naming another", station, "quay-2", "quay-2", true},
		{"admin naming none", admin, "", "", false},
		{"admin naming a station", admin, "quay-2", "quay-2", false},
	} {
		got := tc.named
		err := SendAsStation(tc.tok, &got, "xấp")
		var e *Error
		if got != tc.want || (err != nil) != tc.refused ||
			err != nil && (!errors.As(err, &e) || e.Status != http.StatusForbidden || e.Field != "station" || !strings.Contains(e.VI, "gửi xấp thay trạm")) {
			t.Errorf("%s: station %q, error %v; want %q, refused %v", tc.name, got, err, tc.want, tc.refused)
		}
	}
}
