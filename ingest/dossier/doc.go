// Package dossier is sohoa's domain model and its JSON wire format: a
// dossier (hồ sơ TTHC) with its batches of scanned pages and its signed
// results, the events case systems hear about, API tokens and their roles,
// the states a batch and a page move through, and the rules for dossier
// codes (TT 01/2018 and TT 04/2025) and result codes (<dossier code>-KQ<n>).
//
// Data is born at ingest and flows one way to storage, which persists these
// types; the package itself does no I/O and needs no cgo, so the station
// client and every layer can share it.
package dossier
