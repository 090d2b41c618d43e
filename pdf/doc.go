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
// Verify gives three separate verdicts, each with a one-line reason in
// English and Vietnamese for a "no": signatures (at least one, each intact,
// nothing after it that changes what it signed), PDF/A conformance (counts
// only when required) and trust (chains to the given anchors; "not judged"
// without any). It reads adbe.pkcs7.detached, adbe.pkcs7.sha1,
// ETSI.CAdES.detached and ETSI.RFC3161 with SHA-1 to SHA-512. Signatures are
// checked against the attacks published on PDF signatures: incremental
// saving (ISA: every object a later revision replaces is compared with the
// signed one; only signatures, document timestamps, DSS and Info
// /ModDate /Producer may be added), signature wrapping (SWA: the /ByteRange
// gap must be exactly this dictionary's /Contents, the signed bytes must end
// a revision and hold the signature dictionary), universal signature
// forgery (missing, null or empty /Contents and /ByteRange, emptied or
// removed signature fields) and the hide, replace and hide-and-replace
// shadow attacks (changed content, resources or cross-reference entries).
//
// CMS is built and parsed with golang.org/x/crypto/cryptobyte (DER; BER from
// older tools is normalised first), so lengths of any size are encoded right.
//
// Why not github.com/digitorus/pdfsign (evaluated again at the only version
// the module proxy serves, v0.0.0-20250819064552-5f74f69dda1d): its signer
// writes adbe.pkcs7.detached only, and through digitorus/pkcs7 puts a CMS
// signing-time attribute in, which PAdES baseline (ETSI.CAdES.detached, time
// in /M) forbids; its visible appearance uses the non-embedded Times-Roman
// and the invisible widget has no /AP, both of which break PDF/A; its
// verifier reads each /ByteRange range whole into memory and checks neither
// the gap nor what later revisions changed, so it would pass the attacks
// above. Our signer and verifier are a few hundred lines each over
// cryptobyte, digitorus/timestamp and the incremental update we write.
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
