// Package stack splits a stack of scanned pages (a desk's sheet-fed run of
// many dossiers) into dossiers, and prints the separator sheets that mark
// where one dossier starts.
//
// A page says which dossier it starts by a symbol (QR code or Code 128
// barcode): a separator sheet that sohoa prints carries
// "SOHOA-SEP:1:<dossier code>" and is dropped from the result; a dossier's
// receipt (Giấy tiếp nhận hồ sơ) carries the bare dossier code and stays in
// its dossier. Blank pages may split too, when the stack asks for it.
// Nothing is guessed: pages before the first mark, or after a symbol that
// cannot be read, become an exception an operator resolves by giving them
// a code. A code read from the receipt's OCR text ("Mã hồ sơ: …") is only
// proposed to that operator, never applied.
//
// The decoding is github.com/makiuchi-d/gozxing, a pure-Go port of ZXing:
// it builds without cgo (the station build), reads QR codes turned any way
// and skewed, and 1D barcodes, and it encodes the separator's QR as well.
package stack
