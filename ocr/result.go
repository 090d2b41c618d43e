package ocr

import "time"

// Box is a rectangle in pixels of the corrected (upright, deskewed) page
// image: X0,Y0 top-left inclusive, X1,Y1 bottom-right exclusive.
type Box struct {
	X0 int `json:"x0"`
	Y0 int `json:"y0"`
	X1 int `json:"x1"`
	Y1 int `json:"y1"`
}

// Word is one recognized word.
type Word struct {
	Text       string  `json:"text"`
	Box        Box     `json:"box"`
	Confidence float64 `json:"confidence"` // 0-100
}

// Line is one text line, its words left to right.
type Line struct {
	Box   Box    `json:"box"`
	Words []Word `json:"words"`
}

// ColorMode says how a page image is stored: colour pages stay colour,
// grey stays grey, bitonal stays 1-bit.
type ColorMode string

const (
	Color   ColorMode = "color"
	Gray    ColorMode = "gray"
	Bitonal ColorMode = "bitonal"
)

// Encoding names how Image.Data is encoded; each maps to one PDF filter.
type Encoding string

const (
	JPEG  Encoding = "jpeg"  // baseline JFIF, embedded as DCTDecode
	G4    Encoding = "g4"    // raw CCITT Group 4 (K=-1, BlackIs1 false: 0 bits are black), CCITTFaxDecode
	Flate Encoding = "flate" // zlib-compressed samples, rows padded to a byte, FlateDecode
)

// Image is the corrected page image, encoded and ready to embed in a PDF.
type Image struct {
	Encoding         Encoding  `json:"encoding"`
	Mode             ColorMode `json:"mode"`
	Width            int       `json:"width"`
	Height           int       `json:"height"`
	BitsPerComponent int       `json:"bits_per_component"`
	Data             []byte    `json:"-"`
}

// Result is what recognition yields for one page. It is plain data so that
// it can travel between processes and machines as JSON.
type Result struct {
	File string `json:"file"`
	Page int    `json:"page"` // 1-based page within File

	// Orientation is how many degrees clockwise the page was turned to make
	// it upright: 0, 90, 180 or 270.
	Orientation int `json:"orientation"`
	// Skew is how many degrees the text lines were turned counter-clockwise
	// on the upright page (positive when lines rise to the right).
	Skew  float64 `json:"skew"`
	Blank bool    `json:"blank"`

	Confidence  float64 `json:"confidence"` // mean word confidence, 0-100
	NeedsReview bool    `json:"needs_review"`
	// ReviewReasons say why NeedsReview is set (Reason* constants), for
	// the operator and the exceptions list.
	ReviewReasons []string `json:"review_reasons,omitempty"`
	// Evidence is what the needs_review rule weighed; nil on blank pages.
	Evidence *Evidence `json:"evidence,omitempty"`
	// OrientationUnsure: the text did not read well enough in any turn to
	// trust one, so the page keeps the orientation the scanner gave it (and
	// NeedsReview is set): a near-blank page with only a seal, a photo.
	OrientationUnsure bool `json:"orientation_unsure,omitempty"`
	// Plausibility (0-1) is how much the text looks like a true reading:
	// mean word confidence times the share of words that are Vietnamese
	// syllables (or foreign words read with high confidence).
	Plausibility float64 `json:"plausibility"`
	// SecondReading: the page looked hard and was read twice (with and
	// without clean-up); Text is the more plausible reading.
	SecondReading bool `json:"second_reading,omitempty"`
	// Photo: the page is a photo of a sheet on a background; the sheet
	// was found, its perspective and curl undone and its light evened
	// out, and the corrected sheet is what was read and what the PDF keeps.
	Photo    bool   `json:"photo,omitempty"`
	Language string `json:"language"`
	Text     string `json:"text"` // reading order, NFC, lines joined by \n, paragraphs by a blank line

	Width    int     `json:"width"` // pixels of the corrected image
	Height   int     `json:"height"`
	DPI      float64 `json:"dpi"`
	DPIKnown bool    `json:"dpi_known"` // false: the file had none
	// DPISource says where DPI comes from: "file" (the file's or the
	// caller's, which the size of the letters agrees with), "estimated"
	// (from the size of the letters: the file had no dpi, or one they
	// belie, as phones and forwarded copies write), or "assumed" (no dpi
	// and too little text to measure: Options.DefaultDPI). A page whose
	// letters were too small for Tesseract was enlarged first: DPI is then
	// that of the enlarged page, which Width and Height measure.
	DPISource string `json:"dpi_source,omitempty"`
	Lines     []Line `json:"lines"`
	// RedInk are the stamps in red ink in the header of a colour page
	// (urgency and secrecy marks that NĐ 30 lets be stamped), read on
	// their own, each turned straight: Lines leave red ink out. One line
	// a stamp; its words' boxes are the stamp's box.
	RedInk []Line `json:"red_ink,omitempty"`

	// CPU is the engine's processor time for this page, from decoding to
	// encoding (helpers such as pdftoppm included).
	CPU time.Duration `json:"cpu_ns,omitempty"`
}

// Reasons a page needs review (Result.ReviewReasons).
const (
	ReasonLowConfidence    = "low_confidence"     // mean word confidence under Options.ReviewBelow, or under what a page read surely gets
	ReasonOrientation      = "orientation_unsure" // no turn made the text readable
	ReasonFewSyllables     = "few_syllables"      // too few words are Vietnamese syllables
	ReasonLettersLost      = "letters_lost"       // far fewer letters read than the page shows letter shapes, or letters on a read line no word covers
	ReasonUnsureWords      = "unsure_words"       // too many words read with low confidence
	ReasonReadingsDisagree = "readings_disagree"  // two readings of a hard page differ too much
	ReasonMarksLost        = "marks_lost"         // too few syllables carry a tone mark: diacritics lost
	ReasonTableUnsure      = "table_unsure"       // a ruled table whose cells do not line up with the text read in it
)

// Evidence is what the engine measured on its reading of a page to decide
// whether the page needs review.
type Evidence struct {
	// SyllableShare is the share of judged words that are Vietnamese
	// syllables or foreign words read surely; 1 with too few words.
	SyllableShare float64 `json:"syllable_share"`
	Words         int     `json:"words"` // words the syllable rules judged
	// UnsureShare is the share of words read with a confidence under 60.
	UnsureShare float64 `json:"unsure_share"`
	// LetterRatio is letters read per letter-shaped component on the page
	// (0 when too few were found to measure).
	LetterRatio float64 `json:"letter_ratio,omitempty"`
	// GlyphPx is the median letter height in pixels as the page came,
	// before any enlarging; 0 when unmeasured.
	GlyphPx float64 `json:"glyph_px,omitempty"`
	// Disagreement is, for a page read twice, the character error rate of
	// the reading set aside against the one kept.
	Disagreement float64 `json:"disagreement,omitempty"`
	// UnreadCells is how many cells of the page's ruled tables hold
	// letters but gave no word.
	UnreadCells int `json:"unread_cells,omitempty"`
	// LostInk is how many letter-sized marks on the lines read no word
	// covers, once those lines were read again.
	LostInk int `json:"lost_ink,omitempty"`
	// BlueLost is how many letter-sized marks in blue ink (a form's
	// values) the clean-up left out of the page read (at least three,
	// and half the page's, flag the page for letters lost).
	BlueLost int `json:"blue_lost,omitempty"`
	// TableDoubts is how many words read on the page a boundary between
	// cells of a ruled table runs through, plus how many lines of one
	// cell split at a column gap: signs that the grid found does not
	// line up with the text, so its reading order may be wrong.
	TableDoubts int `json:"table_doubts,omitempty"`
}
