package main

import (
	"context"
	"flag"
	"os"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/storage"
)

// How the usage lines of the commands show the flags of serverFlags and
// sourceFlags, in each language, written once so that every command shows
// the same choice the same way.
const (
	serverUsageVI = "--server URL --token MÃ"
	serverUsageEN = "--server URL --token T"
	sourceUsageVI = "[" + serverUsageVI + " | --data THƯ_MỤC | --db URL]"
	sourceUsageEN = "[" + serverUsageEN + " | --data DIR | --db URL]"
)

// serverFlags are --server and --token of the commands that read from a
// sohoa server or, with no --server, from the local store. The token falls
// back to SOHOA_TOKEN after parsing, never as the flag's default, so that
// --help does not print it.
type serverFlags struct {
	server, token string
}

func (f *serverFlags) add(fs *flag.FlagSet, u ui) {
	fs.StringVar(&f.server, "server", os.Getenv("SOHOA_SERVER"), u.t("địa chỉ máy chủ (biến SOHOA_SERVER)", "server URL (env SOHOA_SERVER)"))
	fs.StringVar(&f.token, "token", "", u.t("mã truy cập (hoặc biến SOHOA_TOKEN)", "API token (or env SOHOA_TOKEN)"))
}

// client checks the server's URL and that there is a token (the flag's or
// SOHOA_TOKEN) and returns a client of the server.
func (f *serverFlags) client(e *env) (*ingest.Client, error) {
	if err := checkServerURL("--server", f.server, e.ui); err != nil {
		return nil, err
	}
	if f.token == "" {
		f.token = os.Getenv("SOHOA_TOKEN")
	}
	if f.token == "" {
		return nil, usageError{e.ui.t("thiếu --token (hoặc SOHOA_TOKEN)", "--token (or SOHOA_TOKEN) is missing")}
	}
	return &ingest.Client{Server: f.server, Token: f.token, Log: e.log}, nil
}

// sourceFlags are the flags of the commands that read from a sohoa server
// (--server, --token) or, with no --server, from the local store (--data,
// --db): export, stats and status.
type sourceFlags struct {
	serverFlags
	dbFlags
}

func (f *sourceFlags) add(fs *flag.FlagSet, u ui) {
	f.serverFlags.add(fs, u)
	// The help of --server says what an empty one means here.
	srv := fs.Lookup("server")
	srv.Usage += u.t("; bỏ trống để đọc dữ liệu nhúng", "; empty to read the embedded store")
	f.dbFlags.add(fs, u)
}

// readSource answers with remote when --server is given, else with local
// over the records of the embedded store or PostgreSQL, opened for the one
// read and never created when they are not there (localRecords). It is the
// one place that picks between the two, so every reading command chooses
// its source the same way.
func readSource[T any](ctx context.Context, e *env, f sourceFlags, remote func(*ingest.Client) (T, error), local func(*storage.SQLRecords) (T, error)) (T, error) {
	var zero T
	if f.server != "" {
		c, err := f.client(e)
		if err != nil {
			return zero, err
		}
		return remote(c)
	}
	recs, closeDB, err := localRecords(ctx, f.dbFlags, e.ui)
	if err != nil {
		return zero, err
	}
	defer closeDB()
	return local(recs)
}
