package dossier

import "time"

// StatsOffset is how far the statistics' clock is ahead of UTC: days are
// counted in Vietnam time, which has no daylight saving.
const StatsOffset = 7 * time.Hour

// StatsDay is the day (YYYY-MM-DD, Vietnam time) that a batch uploaded at t
// counts in.
func StatsDay(t time.Time) string { return t.UTC().Add(StatsOffset).Format(time.DateOnly) }

// StatsGroup names what a statistics report is broken down by.
type StatsGroup string

const (
	GroupAgency       StatsGroup = "agency"
	GroupStation      StatsGroup = "station"
	GroupOperator     StatsGroup = "operator"
	GroupDay          StatsGroup = "day"
	GroupDocumentType StatsGroup = "document_type"
)

// StatsGroups are the groups a report accepts, in the order they are shown.
func StatsGroups() []StatsGroup {
	return []StatsGroup{GroupDay, GroupAgency, GroupStation, GroupOperator, GroupDocumentType}
}

// ValidStatsGroup reports whether g is one of StatsGroups.
func ValidStatsGroup(g StatsGroup) bool {
	switch g {
	case GroupDay, GroupAgency, GroupStation, GroupOperator, GroupDocumentType:
		return true
	}
	return false
}

// StatsRow is the work of one group (one agency, desk, operator, day or
// document type) over the batches uploaded in a report's days. Figures are
// those of the batches as they stand now: a batch uploaded on Monday and
// signed on Tuesday counts as a Monday result.
type StatsRow struct {
	Key         string `json:"key"`      // the agency code, station, operator, YYYY-MM-DD or document type ("" when the upload gave none)
	Batches     int64  `json:"batches"`  // documents uploaded
	Dossiers    int64  `json:"dossiers"` // dossiers first seen (their first upload falls here)
	Pages       int64  `json:"pages"`    // pages accepted
	PagesDone   int64  `json:"pages_done"`
	ReviewPages int64  `json:"review_pages"` // read, but flagged for a person to look at
	// ReviewRate is ReviewPages / PagesDone (0 when no page is read yet).
	ReviewRate  float64 `json:"review_rate"`
	Exceptions  int64   `json:"exceptions"` // pages failed for good and not retried, and pages of stacks left in open exceptions
	Results     int64   `json:"results"`    // signed results linked to their dossier
	ResultPages int64   `json:"result_pages"`
	// Backlog: accepted but without a signed result yet (waiting, being
	// read, or held by an exception).
	BacklogBatches int64 `json:"backlog_batches"`
	BacklogPages   int64 `json:"backlog_pages"`
	// Time from upload to signed result over the results, in seconds, read
	// from a histogram whose buckets are 9% wide (the value is within 4.5%);
	// 0 when there is no result.
	ResultP50 float64 `json:"time_to_result_p50_s"`
	ResultP95 float64 `json:"time_to_result_p95_s"`
}

// Stats is a statistics report: GET /v1/stats, `sohoa stats`.
type Stats struct {
	From    string     `json:"from"` // first day, YYYY-MM-DD (Vietnam time), "" for the first upload
	To      string     `json:"to"`   // last day, inclusive, "" for today
	Group   StatsGroup `json:"group"`
	Station string     `json:"station,omitempty"` // only this desk's work (a station token sees its own)
	Agency  string     `json:"agency,omitempty"`  // only this agency's work (group day: its daily series)
	Rows    []StatsRow `json:"rows"`              // by key
	Total   StatsRow   `json:"total"`             // every row together (Key "")
}
