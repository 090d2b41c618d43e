package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

func runToken(ctx context.Context, e *env, args []string) error {
	usage := func() {
		fmt.Fprintln(e.stderr, e.ui.t("Cách dùng:", "Usage:"))
		fmt.Fprintln(e.stderr, "  sohoa token create --role station|case|archivist|admin [--name TÊN] [--data THƯ_MỤC | --db URL]")
		fmt.Fprintln(e.stderr, "  sohoa token revoke ID [--data THƯ_MỤC | --db URL]")
		fmt.Fprintln(e.stderr, "  sohoa token list [--data THƯ_MỤC | --db URL]")
		fmt.Fprintln(e.stderr, e.ui.t(
			"create in mã mới (chỉ một lần, một mình trên stdout); chỉ mã băm SHA-256 được lưu.",
			"create prints the new token (once, alone on stdout); only its SHA-256 is stored."))
	}
	if len(args) == 0 {
		usage()
		return usageError{e.ui.t("thiếu lệnh con: create, revoke hoặc list", "missing subcommand: create, revoke or list")}
	}
	sub := args[0]
	if sub == "-h" || sub == "--help" || sub == "help" {
		usage()
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet("token "+sub, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = usage
	var df dbFlags
	df.add(fs, e.ui)
	var role, name string
	if sub == "create" {
		fs.StringVar(&role, "role", "", e.ui.t("vai trò: station, case, archivist hoặc admin", "role: station, case, archivist or admin"))
		fs.StringVar(&name, "name", "", e.ui.t("tên (với trạm quét: tên trạm)", "name (for a station: the station name)"))
	}
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	switch sub {
	case "create", "list":
		if len(pos) > 0 {
			return usageError{e.ui.t("thừa đối số: ", "unexpected arguments: ") + fmt.Sprint(pos)}
		}
	case "revoke":
		if len(pos) != 1 {
			return usageError{e.ui.t("cần đúng một ID mã truy cập", "need exactly one token ID")}
		}
	default:
		usage()
		return usageError{e.ui.t("lệnh con không rõ: ", "unknown subcommand: ") + sub}
	}
	if sub == "create" && !dossier.ValidRole(dossier.Role(role)) {
		return usageError{e.ui.t("--role phải là station, case, archivist hoặc admin", "--role must be station, case, archivist or admin")}
	}
	u, err := df.url(e.ui)
	if err != nil {
		return err
	}
	recs, err := storage.OpenRecordsURL(ctx, u)
	if err != nil {
		return err
	}
	defer recs.Close()

	switch sub {
	case "create":
		secret, t, err := recs.CreateToken(ctx, dossier.Role(role), name)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, secret)
		fmt.Fprintf(e.stderr, e.ui.t("đã tạo mã %s (vai trò %s); hãy lưu lại, mã sẽ không hiển thị lần nữa\n",
			"created token %s (role %s); keep it now, it is not shown again\n"), t.ID, t.Role)
	case "revoke":
		if err := recs.RevokeToken(ctx, pos[0]); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf(e.ui.t("không có mã %s", "no token %s"), pos[0])
			}
			return err
		}
		fmt.Fprintf(e.stderr, e.ui.t("đã thu hồi mã %s\n", "revoked token %s\n"), pos[0])
	case "list":
		ts, err := recs.Tokens(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, e.ui.t("ID\tVAI TRÒ\tTÊN\tTẠO LÚC\tTHU HỒI", "ID\tROLE\tNAME\tCREATED\tREVOKED"))
		for _, t := range ts {
			rev := "-"
			if t.RevokedAt != nil {
				rev = t.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, t.Name, t.CreatedAt.Format(time.RFC3339), rev)
		}
		return w.Flush()
	}
	return nil
}
