package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/catalog"
	"github.com/sohoa/sohoa/storage/index"
	"github.com/sohoa/sohoa/workers"
)

// dbFlags are the --data / --db flags of the commands that only need the
// database (migrate, token).
type dbFlags struct {
	data, db string
}

func (f *dbFlags) add(fs *flag.FlagSet, u ui) {
	fs.StringVar(&f.data, "data", "", u.t("thư mục dữ liệu của chế độ nhúng (SQLite THƯ_MỤC/sohoa.db; mặc định SOHOA_DATA hoặc ./sohoa-data)",
		"data folder of the embedded mode (SQLite DIR/sohoa.db; default SOHOA_DATA or ./sohoa-data)"))
	fs.StringVar(&f.db, "db", "", u.t("PostgreSQL (postgres://...; mặc định biến SOHOA_DB)", "PostgreSQL URL (postgres://...; default env SOHOA_DB)"))
}

// url picks the database: --db, else --data, else SOHOA_DB, else SOHOA_DATA,
// else ./sohoa-data; the embedded database is DIR/sohoa.db.
func (f *dbFlags) url(u ui) (string, error) {
	switch {
	case f.db != "" && f.data != "":
		return "", usageError{u.t("chỉ dùng một trong --data và --db", "give either --data or --db, not both")}
	case f.db != "":
		return f.db, nil
	case f.data != "":
		return storage.DataDBPath(f.data), nil
	case os.Getenv("SOHOA_DB") != "":
		return os.Getenv("SOHOA_DB"), nil
	case os.Getenv("SOHOA_DATA") != "":
		return storage.DataDBPath(os.Getenv("SOHOA_DATA")), nil
	}
	return storage.DataDBPath("sohoa-data"), nil
}

// parseNoArgs parses the flags of a command that takes no other argument
// (demo, reindex, serve); one given is a usage error naming the command.
func parseNoArgs(fs *flag.FlagSet, args []string, u ui) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{u.t(fs.Name()+" không nhận đối số", fs.Name()+" takes no arguments")}
	}
	return nil
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, which it returns.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := e.flagSet("migrate", e.ui.t("Cách dùng: sohoa migrate [--data THƯ_MỤC | --db URL]", "Usage: sohoa migrate [--data DIR | --db URL]")+"\n"+
		e.ui.t("Áp dụng các bước nâng cấp lược đồ còn thiếu (hồ sơ, chỉ mục tra cứu, hàng đợi nhúng); chạy đồng thời từ nhiều máy vẫn an toàn.",
			"Applies the pending schema migrations (records, search index, embedded queue); safe to run from several machines at once."))
	var df dbFlags
	df.add(fs, e.ui)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{e.ui.t("thừa đối số: ", "unexpected arguments: ") + fmt.Sprint(pos)}
	}
	u, err := df.url(e.ui)
	if err != nil {
		return err
	}
	db, err := storage.OpenDB(ctx, u)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := storage.MigrateRecords(ctx, db); err != nil {
		return err
	}
	if _, err := index.Open(ctx, db); err != nil {
		return err
	}
	if _, err := catalog.Open(ctx, db); err != nil {
		return err
	}
	components := []string{storage.RecordsComponent, "index", catalog.Component}
	if db.Dialect == storage.SQLite {
		// The embedded mode keeps its job queue in the same file.
		q, err := workers.NewSQLQueue(ctx, db, workers.SQLQueueConfig{})
		if err != nil {
			return err
		}
		q.Close()
		components = append(components, "queue")
	}
	for _, c := range components {
		v, err := db.SchemaVersion(ctx, c)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, e.ui.t("%s: lược đồ phiên bản %d\n", "%s: schema version %d\n"), c, v)
	}
	return nil
}
