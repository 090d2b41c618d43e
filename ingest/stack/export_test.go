package stack

// Hooks for the external tests' per-page benchmark.
var (
	PageGray = pageGray
	ReadGray = readGray
)
