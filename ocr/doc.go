// Package ocr turns one scanned page into an upright, straight page image
// plus words with boxes and confidences, with Tesseract (through gosseract)
// and Leptonica.
//
// Pages are recognized in engine child processes (see Pool and
// MaybeServeEngine): gosseract leaks C strings on every call, and a page
// that crashes or hangs Tesseract must fail alone. A Pool runs one engine
// per core with OMP_THREAD_LIMIT=1, starts them one at a time (Tesseract's
// Init juggles the process-wide stderr), recycles an engine after
// RecycleAfter pages or above MaxEngineRSS, and kills it when a page runs
// past PageTimeout.
//
// The parent reads headers only (format.go: PNG, JPEG, TIFF with its page
// chain walked by hand, WebP, and PDF through poppler's pdfinfo and
// pdfimages) to refuse non-images, truncated files and decompression bombs
// before any pixel is decoded. The child then, per page:
//
//  1. decodes it with Leptonica (PDF pages are first rendered by pdftoppm at
//     the resolution of their largest image, so a page-matrix skew becomes
//     pixels);
//  2. binarizes it: background normalization then Otsu, which copes with
//     uneven light and tinted or grainy paper; removes dark scanner borders
//     (foreground touching the edge) and dust (tiny specks, and small specks
//     far from anything larger);
//  3. calls the page blank when almost no glyph-sized marks remain: no
//     deskew, no OCR;
//  4. finds the direction of the text lines and the skew with Leptonica's
//     projection sweep and binary search over ±20°, on the page and on the
//     page turned a quarter (the higher score says whether lines run across
//     or down);
//  5. tells up from down with Leptonica's ascender/descender count; when
//     that is unsure (Vietnamese diacritics blur it) and the first reading
//     has low confidence, reads the page turned half a turn as well and
//     keeps the better reading;
//  6. recognizes the cleaned, straightened binary page once (psm 3), groups
//     words into lines and paragraphs in Tesseract's reading order;
//  7. turns the original colour, grey or bitonal image by the same angles
//     (on a canvas grown so no corner is lost) and encodes it for the PDF:
//     the untouched JPEG bytes when nothing was turned, JPEG otherwise,
//     CCITT G4 for bitonal pages.
//
// Debugging aids, read by the engine child: SOHOA_OCR_TRACE=1 logs the wall
// and CPU time of each step to the engine's stderr; SOHOA_OCR_DUMP=DIR
// writes the image handed to Tesseract there.
//
// Conventions: Result.Orientation is how many degrees clockwise the page
// was turned to make it upright; Result.Skew is how many degrees the text
// lines were turned counter-clockwise on the upright page (positive when
// they rise to the right); boxes are in pixels of the corrected image.
package ocr
