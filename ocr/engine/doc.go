// Package engine is the OCR engine child of an ocr.Pool: Tesseract
// (through gosseract) and Leptonica, sohoa's cgo (with PKCS#11 token
// signing in package pdf). The sohoa command calls MaybeServe first thing
// in main, so that a Pool can
// start it as a child process of the same executable (tests that recognize
// pages do the same in TestMain). In a build without cgo (the station
// client), Available is false and the child refuses with ErrUnavailable.
//
// The parent has already checked the file's headers (ocr.Inspect). The
// child then, per page:
//
//  1. decodes it with Leptonica (PDF pages are first rendered by pdftoppm at
//     the resolution of their largest image, so a page-matrix skew becomes
//     pixels);
//  2. binarizes it: background normalization then Otsu, which copes with
//     uneven light and tinted or grainy paper;
//  3. measures the letters (glyph.go: the area-weighted median height of
//     letter-like connected components) and takes the resolution from
//     them when the file has none or one they belie (Result.DPISource);
//     a page whose letters are under 15 px (a 70-dpi copy, a phone photo)
//     is enlarged to about 30 px and binarized again;
//  4. removes dark scanner borders (foreground touching the edge) and dust
//     (tiny specks, and small specks far from anything larger; never
//     larger than half a measured letter);
//  5. calls the page blank when almost no glyph-sized marks remain: no
//     deskew, no OCR;
//  6. finds the direction of the text lines and the skew with Leptonica's
//     projection sweep and binary search over ±20°, on the page and on the
//     page turned a quarter (the higher score says whether lines run across
//     or down);
//  7. tells up from down with Leptonica's ascender/descender count; when
//     that is unsure (Vietnamese diacritics blur it) and the first reading
//     has low confidence, reads the page turned half a turn as well and
//     keeps the better reading;
//  8. recognizes the cleaned, straightened binary page once (psm 3), groups
//     words into lines and paragraphs in Tesseract's reading order;
//  9. judges the reading (plausible.go): confidence times the share of words
//     that are Vietnamese syllables (package ocr/syllable). A hard page
//     (low confidence, few syllables, enlarged letters) is read a second
//     time without clean-up and the more plausible reading is kept; an
//     enlarged page whose kept reading stays doubtful is read a third time
//     as it came (its own resolution, grey, as bare Tesseract reads it),
//     and the two readings vote line by line and word by word, the
//     enlarged one's layout kept (ocr.VoteLines); a page with few
//     syllables, or far fewer letters read than letter shapes seen, needs
//     review; letter-sized ink on a line read that no word covers
//     (ocr.LostInk: a bold list's digit the page reading left out) has
//     that line read again alone, the words that cover it are put in (the
//     words read stay), and ink still uncovered flags the page; a ruled
//     table's cell holding letters from which no word was read (one digit
//     is enough: a list's row number, ocr.FindUnreadCells) is read again
//     alone as one line, its words put in as a line of the cell, and cells
//     still unread flag the page;
//  10. turns the original colour, grey or bitonal image by the same angles
//     (on a canvas grown so no corner is lost) and encodes it for the PDF:
//     the untouched JPEG bytes when nothing was turned, JPEG otherwise,
//     CCITT G4 for bitonal pages.
//
// Besides pages, the child answers a second reading of handwritten digits
// (ocr.Pool.ReadDigits, digits.go): blanks of a corrected page image
// cropped in luminance (blue ink kept), specks and leaders dropped,
// enlarged, and read by a Tesseract instance of its own as one line of
// digits and "/", as a line and as a word (they must agree to be sure).
// The same job reads lines of printed codes ("Lưu: VT, KTTH.") again with
// the English model, coloured ink dropped, and looks under a word's end for
// the dot of a ỵ that the page reading dropped (codes.go).
//
// Debugging aids, read by the engine child: SOHOA_OCR_TRACE=1 logs the wall
// and CPU time of each step to the engine's stderr; SOHOA_OCR_DUMP=DIR
// writes the image handed to Tesseract there.
package engine

import "errors"

// ErrUnavailable is what an OCR request meets in a build without the engine.
var ErrUnavailable = errors.New("this build of sohoa has no OCR engine (built without cgo); " +
	"bản dựng sohoa này không có bộ nhận dạng chữ (OCR)")
