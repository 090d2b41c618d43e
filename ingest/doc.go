// Package ingest takes scanned batches in: the manifest and its checks
// (dossier codes of TT 01/2018 and TT 04/2025), the validation and storage
// of every page before a batch is committed (Intake), the recovery of
// committed batches that never reached the queue, the station's HTTP client
// with resumable uploads (Client), and the hot folder (Watcher).
//
// The promise to a station: once the API answers 202, the batch's files and
// records are committed, and its pages will be processed.
package ingest
