package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

func runToken(ctx context.Context, e *env, args []string) error {
	synopsis := e.ui.t(`Cách dùng:
  sohoa token create --role station|case|archivist|admin [--name TÊN] [--expires 720h|YYYY-MM-DD] [--data THƯ_MỤC | --db URL]
  sohoa token revoke ID [--data THƯ_MỤC | --db URL]
  sohoa token list [--data THƯ_MỤC | --db URL]
create in mã mới (chỉ một lần, một mình trên stdout); chỉ mã băm SHA-256 được lưu.
Mã trạm quét cần --name duy nhất: tên trạm, trùng với "station" trong manifest.
Trang tra cứu cần mã vai trò archivist. Lệnh không bao giờ tạo cơ sở dữ liệu mới: --data phải là thư mục của sohoa serve.`, `Usage:
  sohoa token create --role station|case|archivist|admin [--name NAME] [--expires 720h|YYYY-MM-DD] [--data DIR | --db URL]
  sohoa token revoke ID [--data DIR | --db URL]
  sohoa token list [--data DIR | --db URL]
create prints the new token (once, alone on stdout); only its SHA-256 is stored.
A station token needs a unique --name: the station's name, as the manifest's "station" gives it.
The search page needs an archivist token. The command never creates a database: --data must be sohoa serve's folder.`)
	sub, args, err := subcommand(e, args, synopsis, "create", "revoke", "list")
	if err != nil {
		return err
	}
	fs := e.flagSet("token", synopsis)
	var df dbFlags
	df.add(fs, e.ui)
	var role, name, expires string
	if sub == "create" {
		fs.StringVar(&role, "role", "", e.ui.t("vai trò: station, case, archivist hoặc admin", "role: station, case, archivist or admin"))
		fs.StringVar(&name, "name", "", e.ui.t("tên; với trạm quét bắt buộc và duy nhất: tên trạm, trùng với \"station\" trong manifest",
			"name; for a station required and unique: the station's name, as the manifest's \"station\" gives it"))
		fs.StringVar(&expires, "expires", "", e.ui.t("hết hạn sau một khoảng (720h) hoặc vào một ngày (YYYY-MM-DD, giờ địa phương); mặc định: đến khi thu hồi",
			"expire after a duration (720h) or on a date (YYYY-MM-DD, local time); default: until revoked"))
	}
	pos, err := parseInterspersed(fs, args)
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
	}
	var req storage.TokenRequest
	if sub == "create" {
		if !dossier.ValidRole(dossier.Role(role)) {
			return usageError{e.ui.t("--role phải là station, case, archivist hoặc admin", "--role must be station, case, archivist or admin")}
		}
		if role == string(dossier.RoleStation) && strings.TrimSpace(name) == "" {
			return usageError{e.ui.t("mã trạm quét cần --name: tên trạm, trùng với \"station\" trong manifest",
				"a station token needs --name: the station's name, as the manifest's \"station\" gives it")}
		}
		req = storage.TokenRequest{Role: dossier.Role(role), Name: name}
		if expires != "" {
			if req.ExpiresAt, err = parseExpiry(expires, time.Now()); err != nil {
				return usageError{e.ui.t("--expires: cần một khoảng (720h) hoặc một ngày YYYY-MM-DD trong tương lai",
					"--expires: want a duration (720h) or a future date YYYY-MM-DD")}
			}
		}
	}
	recs, err := openTokenRecords(ctx, e, &df)
	if err != nil {
		return err
	}
	defer recs.Close()

	switch sub {
	case "create":
		secret, t, err := recs.IssueToken(ctx, req)
		if errors.Is(err, storage.ErrConflict) {
			return fmt.Errorf(e.ui.t("đã có mã trạm quét %q còn hiệu lực; thu hồi mã cũ (sohoa token list, sohoa token revoke ID) hoặc chọn tên khác",
				"a live station token named %q exists; revoke the old one (sohoa token list, sohoa token revoke ID) or choose another name"), strings.TrimSpace(name))
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, secret)
		until := e.ui.t("đến khi thu hồi", "until revoked")
		if t.ExpiresAt != nil {
			until = e.ui.t("đến ", "until ") + localTime(*t.ExpiresAt)
		}
		fmt.Fprintf(e.stderr, e.ui.t("đã tạo mã %s (vai trò %s, hiệu lực %s); hãy lưu lại, mã sẽ không hiển thị lần nữa\n",
			"created token %s (role %s, valid %s); keep it now, it is not shown again\n"), t.ID, t.Role, until)
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
		fmt.Fprintln(w, e.ui.t("ID\tVAI TRÒ\tTÊN\tTẠO LÚC\tHẾT HẠN\tTHU HỒI", "ID\tROLE\tNAME\tCREATED\tEXPIRES\tREVOKED"))
		opt := func(t *time.Time) string {
			if t == nil {
				return "-"
			}
			return localTime(*t)
		}
		for _, t := range ts {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, t.Name, localTime(t.CreatedAt), opt(t.ExpiresAt), opt(t.RevokedAt))
		}
		return w.Flush()
	}
	return nil
}

// openTokenRecords opens the records the token command works on, and
// names them on stderr. It never creates a database: a mistyped or
// missing --data would otherwise get a new empty one, whose tokens the
// server (on the real database) then calls invalid.
func openTokenRecords(ctx context.Context, e *env, df *dbFlags) (*storage.SQLRecords, error) {
	u, err := df.url(e.ui)
	if err != nil {
		return nil, err
	}
	shown, sqlite := u, !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://")
	if sqlite {
		shown = absPath(u)
		if fi, err := os.Stat(u); err != nil || !fi.Mode().IsRegular() {
			return nil, fmt.Errorf(e.ui.t(
				"không có cơ sở dữ liệu %s; kiểm tra --data (hoặc SOHOA_DATA): phải là thư mục dữ liệu mà sohoa serve dùng",
				"no database at %s; check --data (or SOHOA_DATA): it must be the data folder sohoa serve uses"), shown)
		}
	} else if p, err := url.Parse(u); err == nil {
		shown = p.Redacted()
	}
	db, err := storage.OpenDB(ctx, u)
	if err != nil {
		return nil, err
	}
	if v, err := db.SchemaVersion(ctx, storage.RecordsComponent); err != nil || v == 0 {
		db.Close()
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf(e.ui.t("cơ sở dữ liệu %s chưa có dữ liệu sohoa (chưa chạy sohoa serve hoặc sohoa migrate trên nó)",
			"database %s holds no sohoa records (sohoa serve or sohoa migrate never ran on it)"), shown)
	}
	recs, err := storage.OpenRecords(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	fmt.Fprintf(e.stderr, e.ui.t("cơ sở dữ liệu: %s\n", "database: %s\n"), shown)
	return recs, nil
}

// parseExpiry reads --expires: a duration from now (720h), or a date
// (YYYY-MM-DD: the end of that day, local time) or RFC 3339 time.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	var t time.Time
	if d, err := time.ParseDuration(s); err == nil {
		t = now.Add(d)
	} else if day, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		t = day.AddDate(0, 0, 1)
	} else if t, err = time.Parse(time.RFC3339, s); err != nil {
		return time.Time{}, err
	}
	if !t.After(now) {
		return time.Time{}, errors.New("in the past")
	}
	return t, nil
}

// localTime shows t as desks read times (17/01/2025 13:43:53 +07:00) in
// deskZone.
func localTime(t time.Time) string {
	return t.In(deskZone()).Format("02/01/2006 15:04:05 -07:00")
}

// deskZone is the machine's time zone, or Vietnam's (UTC+7, no daylight
// saving) when the machine is set to UTC without TZ saying so, as servers
// often are: the people reading are at the desks. TZ=UTC keeps UTC.
func deskZone() *time.Location {
	if _, set := os.LookupEnv("TZ"); set {
		return time.Local
	}
	if _, off := time.Now().In(time.Local).Zone(); off != 0 {
		return time.Local
	}
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600)
}
