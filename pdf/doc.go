// Package pdf writes the archival file of a scanned document and checks such
// files.
//
// Assemble streams OCR'd pages into a two-layer PDF/A (1b, 2b or 3b): each
// page image embedded as it comes (JPEG as DCTDecode, re-coded losslessly with
// optimal Huffman tables unless KeepJPEGCoding; G4 as CCITTFaxDecode; Flate
// samples as FlateDecode) at 100% scale, an invisible text layer in Tesseract's
// glyph-less font, XMP and Info that agree, an sRGB output intent and the
// dossier metadata in a declared PDF/A extension schema. Only object offsets
// stay in memory, so a document of any length is written in bounded memory.
//
// Signer appends a PAdES signature (ETSI.CAdES.detached, SHA-256, ESS
// signing-certificate-v2, an RFC 3161 timestamp when a TSA is configured) as
// an incremental update, with a visible mark on page 1 drawn in a Type 3 font
// built from DejaVu Sans outlines so the file stays PDF/A. Keys come from a
// PKCS#12 file or a PKCS#11 token.
//
// Verify reports the PDF/A claim with problems found, and for each signature
// (adbe.pkcs7.detached, adbe.pkcs7.sha1, ETSI.CAdES.detached, ETSI.RFC3161;
// SHA-1 to SHA-512) whether it is intact, covers the whole file, chains to a
// trusted CA and carries a timestamp.
//
// Tests check every output with independent tools (PDFBox Preflight, qpdf,
// pdfcpu, pdfsig with an NSS trust database, pdftotext, pdftoppm) and need the
// services of `bash .ci/test` (SOHOA_PREFLIGHT_CP, SoftHSM2, fonts-dejavu-core).
// Benchmarks:
//
//	go test ./pdf -run '^$' -bench AssembleSign100 -benchtime 3x
//	go test ./pdf -run '^$' -bench VsOCRmyPDF -benchtime 1x
//	go test ./pdf -run '^$' -fuzz FuzzVerify -fuzztime 3m
package pdf
