// Package ocr turns one scanned page into an upright, straight page image
// plus words with boxes and confidences. This package is pure Go: it holds
// the results (Result, Line, Word, Box, Image), the header checks that
// refuse bad input before any pixel is decoded (Inspect, Limits,
// InputError), the CER/WER scorer, and the Pool that runs the engine.
// Tesseract (through gosseract) and Leptonica live in package ocr/engine,
// which only the sohoa command links: the
// station client builds without cgo, for Linux and Windows.
//
// Pages are recognized in engine child processes (see Pool and
// ocr/engine.MaybeServe): gosseract leaks C strings on every call, and a
// page that crashes or hangs Tesseract must fail alone. A Pool runs one engine
// per core with OMP_THREAD_LIMIT=1, starts them one at a time (Tesseract's
// Init juggles the process-wide stderr), recycles an engine after
// RecycleAfter pages or above MaxEngineRSS, and kills it when a page runs
// past PageTimeout.
//
// The parent reads headers only (format.go: PNG, JPEG, TIFF with its page
// chain walked by hand, WebP, and PDF through poppler's pdfinfo and
// pdfimages) to refuse non-images, truncated files and decompression bombs
// before any pixel is decoded. The engine child then reads, cleans, turns
// and recognizes the page (see package ocr/engine).
//
// Conventions: Result.Orientation is how many degrees clockwise the page
// was turned to make it upright; Result.Skew is how many degrees the text
// lines were turned counter-clockwise on the upright page (positive when
// they rise to the right); boxes are in pixels of the corrected image.
package ocr
