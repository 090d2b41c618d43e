// Package pdfread reads objects from PDF files for the rest of sohoa: the
// signer (which needs the trailer, the catalog and page 1 to append an
// incremental update), the verifier (catalog, page tree, signature fields,
// XMP) and the OCR engine (is a page nothing but one upright image?).
//
// Open reads files with classic cross-reference tables lazily: it parses
// the tables and then only the objects asked for, so signing or checking a
// 500-page file never loads its page images. Files it cannot read that way
// (cross-reference streams, object streams, tables whose offsets do not
// point at their objects) are parsed whole by pdfcpu, which repairs what it
// can. Both sit behind the one Doc type; OpenWhole forces pdfcpu for callers
// that want a second opinion after the lazy reader failed on an object.
//
// Every input is hostile: reference chains, page-tree depth, cross-reference
// chains and decoded stream sizes are bounded, and pdfcpu's panics on
// malformed files come back as errors. The package is pure Go (no cgo) and
// initialises pdfcpu once, with its configuration folder disabled (pdfcpu
// would otherwise create ~/.config/pdfcpu on first use).
//
// Objects are pdfcpu's types (types.Dict, types.Array, types.IndirectRef...),
// so callers can build new objects with the same vocabulary.
package pdfread
