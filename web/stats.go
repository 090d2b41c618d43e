package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// parseStatsQuery reads a statistics request from URL parameters: from and
// to (YYYY-MM-DD, Vietnam time, inclusive), group, station, agency (with
// group day). Errors are bilingual.
func parseStatsQuery(get func(string) string) (storage.StatsQuery, *statsError) {
	q := storage.StatsQuery{
		From:    strings.TrimSpace(get("from")),
		To:      strings.TrimSpace(get("to")),
		Group:   dossier.StatsGroup(strings.TrimSpace(get("group"))),
		Station: strings.TrimSpace(get("station")),
		Agency:  strings.TrimSpace(get("agency")),
	}
	if q.Group == "" {
		q.Group = dossier.GroupDay
	}
	if !dossier.ValidStatsGroup(q.Group) {
		return q, &statsError{"group phải là một trong: day, agency, station, operator, document_type",
			"group must be one of: day, agency, station, operator, document_type"}
	}
	var days [2]time.Time
	for i, f := range []struct{ name, vi, v string }{{"from", "from (từ ngày)", q.From}, {"to", "to (đến ngày)", q.To}} {
		if f.v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, f.v)
		if err != nil {
			return q, &statsError{f.vi + " phải là ngày dạng YYYY-MM-DD", f.name + " must be a date YYYY-MM-DD"}
		}
		days[i] = t
	}
	if !days[0].IsZero() && !days[1].IsZero() && days[1].Before(days[0]) {
		return q, &statsError{"to (đến ngày) đứng trước from (từ ngày)", "to is before from"}
	}
	if len(q.Station) > 200 || len(q.Agency) > 200 {
		return q, &statsError{"station hoặc agency dài quá (tối đa 200 byte)", "station or agency too long (at most 200 bytes)"}
	}
	if q.Agency != "" && q.Group != dossier.GroupDay {
		return q, &statsError{"agency (một cơ quan) chỉ dùng với group=day: chuỗi số liệu theo ngày của cơ quan đó",
			"agency (one agency) goes with group=day only: that agency's daily series"}
	}
	return q, nil
}

type statsError struct{ vi, en string }

// getStats serves GET /v1/stats. A station token sees its own desk's work
// only, whatever station it asks for; an admin sees all, or one station
// with ?station=.
func (s *Server) getStats(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q, bad := parseStatsQuery(v.Get)
	if bad != nil {
		apiError(w, http.StatusBadRequest, bad.vi, bad.en)
		return
	}
	if tok := TokenFrom(r.Context()); tok != nil && tok.Role == dossier.RoleStation {
		if q.Station != "" && q.Station != tok.Name {
			apiError(w, http.StatusForbidden, "mã của quầy chỉ xem được số liệu của chính quầy đó ("+tok.Name+")",
				"a station token sees its own station's figures only ("+tok.Name+")")
			return
		}
		q.Station = tok.Name
	}
	st, err := s.cfg.Records.Stats(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	apiJSON(w, http.StatusOK, st)
}
