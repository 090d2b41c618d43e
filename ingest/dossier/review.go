package dossier

import "time"

// Kinds of review change: what an official does to a document before
// signing it. Page is always the page's original Index, which stays its
// name whatever moves, deletions and re-scans come after.
const (
	ReviewWord    = "word"    // Text replaces word Word of line Line
	ReviewLine    = "line"    // Text replaces the words of line Line, spread over the line's box
	ReviewRotate  = "rotate"  // the page turns Degrees (90, 180, 270) more, clockwise
	ReviewMove    = "move"    // the page goes to Position (1-based) in the current order
	ReviewDelete  = "delete"  // the page leaves the document (a double feed); "restore" brings it back
	ReviewRestore = "restore" // a deleted page comes back at the end
	ReviewBlank   = "blank"   // the page is blank (Blank true) or not (false): a blank page keeps its image, loses its text
	ReviewReplace = "replace" // a re-scan replaces the page (ImageKey, ResultKey: its reading)
)

// ReviewChange is one change an official made to a document awaiting
// signature. The changes of a batch, in Seq order, are both what the
// document to sign is built from and the audit of its review: who changed
// what, and when.
type ReviewChange struct {
	ID       string `json:"id"`
	BatchID  string `json:"batch_id"`
	Seq      int    `json:"seq"` // 1, 2, ... within the batch
	Kind     string `json:"kind"`
	Page     int    `json:"page"`
	Line     int    `json:"line,omitempty"` // 0-based, for word and line
	Word     int    `json:"word,omitempty"` // 0-based, for word
	OldText  string `json:"old_text,omitempty"`
	Text     string `json:"text,omitempty"`
	Degrees  int    `json:"degrees,omitempty"`
	Position int    `json:"position,omitempty"`
	Blank    bool   `json:"blank,omitempty"`
	// The stored re-scan of a replace (never shown).
	ImageKey  string    `json:"-"`
	ResultKey string    `json:"-"`
	SourceSHA string    `json:"sha256,omitempty"` // of the re-scanned file
	Reviewer  string    `json:"reviewer"`         // the token's name: the official
	TokenID   string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}
