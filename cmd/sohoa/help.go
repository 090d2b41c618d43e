package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// cmdFlags is the flag set of the command being run, kept so that run can
// print its help on stdout for --help, and a bad flag as one translated
// line plus a hint, instead of the flag package's English usage dump.
type cmdFlags struct {
	name   string
	usage  string // the synopsis, already translated
	fs     *flag.FlagSet
	failed bool // the flag package asked for the usage: -h, or a bad flag
}

// flagSet is the flag set of command name. It prints nothing itself: run
// shows the help (usage, then the flags, in the user's language) on stdout
// for -h/--help, and a flag error once with a hint, exit code 2.
func (e *env) flagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := &cmdFlags{name: name, usage: usage, fs: fs}
	fs.Usage = func() { c.failed = true }
	e.flags = c
	return fs
}

// localizeFlags replaces the descriptions of flags registered by other
// packages (the signing flags of package pdf) with the user's language.
func localizeFlags(fs *flag.FlagSet, u ui) {
	for name, d := range map[string][2]string{
		"sign-p12":             {"tệp PKCS#12 (.p12/.pfx) chứa khóa và chứng thư ký số", "PKCS#12 file (.p12/.pfx) with the signing key and certificate"},
		"sign-pass-file":       {"tệp chứa mật khẩu của tệp PKCS#12 (hoặc biến SOHOA_SIGN_PASS)", "file holding the PKCS#12 password (or env SOHOA_SIGN_PASS)"},
		"sign-pkcs11":          {"thư viện PKCS#11 (.so) của thiết bị ký số (USB token, HSM)", "PKCS#11 module (.so) of the signing token (USB token, HSM)"},
		"sign-pkcs11-token":    {"nhãn của thiết bị ký số PKCS#11", "PKCS#11 token label"},
		"sign-pkcs11-pin-file": {"tệp chứa mã PIN của thiết bị (hoặc biến SOHOA_PKCS11_PIN)", "file holding the token PIN (or env SOHOA_PKCS11_PIN)"},
		"sign-pkcs11-key":      {"nhãn của khóa (và chứng thư) trên thiết bị", "label of the key (and certificate) on the token"},
		"sign-cert":            {"chuỗi chứng thư PEM của khóa PKCS#11, khi thiết bị không chứa chứng thư", "PEM certificate chain of the PKCS#11 key, when the token holds none"},
		"signer-name":          {"tên người ký hiện trên dấu chữ ký (mặc định: tên trong chứng thư)", "signer's name on the visible mark (default: the certificate's name)"},
		"tsa":                  {"địa chỉ máy chủ cấp dấu thời gian RFC 3161 (PAdES B-T)", "RFC 3161 timestamp authority URL (PAdES B-T)"},
		"sign-font":            {"phông TrueType cho dấu chữ ký", "TrueType font for the visible mark"},
	} {
		if f := fs.Lookup(name); f != nil {
			f.Usage = u.t(d[0], d[1])
		}
	}
}

// printHelp writes a command's help: its synopsis, then every flag with
// its value name and default, in the user's language (no Go "(default …)").
func printHelp(w io.Writer, u ui, c *cmdFlags) {
	fmt.Fprintln(w, c.usage)
	n := 0
	c.fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, u.t("Tùy chọn:", "Options:"))
	c.fs.VisitAll(func(f *flag.Flag) {
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		line := "  " + dash + f.Name
		if v := valueName(f, u); v != "" {
			line += " " + v
		}
		desc := f.Usage
		if d := shownDefault(f); d != "" {
			desc += u.t(" (mặc định: ", " (default: ") + d + ")"
		}
		if len(line) <= 24 {
			fmt.Fprintf(w, "%-25s %s\n", line, desc)
		} else {
			fmt.Fprintf(w, "%s\n%-25s %s\n", line, "", desc)
		}
	})
}

// valueName names a flag's value by what it is ("" for a switch).
func valueName(f *flag.Flag, u ui) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return ""
	}
	n := f.Name
	switch {
	case n == "o", n == "trust", n == "sign-p12", n == "sign-cert", n == "sign-font", n == "sign-pkcs11",
		n == "tls-cert", n == "tls-key", strings.HasSuffix(n, "-file"):
		return u.t("TỆP", "FILE")
	case n == "server", n == "db", n == "amqp", n == "s3", n == "tsa", n == "webhook":
		return "URL"
	case n == "data", strings.HasSuffix(n, "-dir"):
		return u.t("THƯ_MỤC", "DIR")
	case strings.HasSuffix(n, "addr"):
		return u.t("HOST:CỔNG", "HOST:PORT")
	case n == "dossier", n == "agency", n == "result-code", n == "key", n == "token":
		return u.t("MÃ", "CODE")
	case n == "title", n == "operator", n == "station", n == "name", n == "signer-name", n == "type", n == "doc-type",
		n == "sign-pkcs11-token", n == "sign-pkcs11-key":
		return u.t("TÊN", "NAME")
	case n == "lang":
		return u.t("NGÔN_NGỮ", "LANGUAGES")
	case n == "from", n == "to":
		return u.t("NGÀY", "DAY")
	case n == "group":
		return u.t("NHÓM", "GROUP")
	}
	switch reflect.TypeOf(f.Value).String() {
	case "*flag.intValue", "*flag.int64Value", "*flag.uintValue", "*flag.uint64Value", "*flag.float64Value":
		return u.t("SỐ", "N")
	case "*flag.durationValue":
		return u.t("THỜI_GIAN", "DURATION")
	}
	return u.t("GIÁ_TRỊ", "VALUE")
}

// shownDefault is the default worth printing: none for zero values, and a
// URL's password hidden (defaults come from SOHOA_S3 and the like).
func shownDefault(f *flag.Flag) string {
	d := f.DefValue
	switch d {
	case "", "0", "false", "0s":
		return ""
	}
	if l := strings.ToLower(f.Name); strings.Contains(l, "token") || strings.Contains(l, "pass") || strings.Contains(l, "pin") || strings.Contains(l, "secret") {
		return "***"
	}
	if pu, err := url.Parse(d); err == nil && pu.User != nil {
		if _, ok := pu.User.Password(); ok {
			pu.User = url.UserPassword(pu.User.Username(), "xxxxx")
			return pu.String()
		}
	}
	return d
}

var (
	flagUndefined = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	flagNeedsArg  = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
	flagBadValue  = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-+([^:]*): `)
	flagBadBool   = regexp.MustCompile(`^invalid boolean flag ([^:]*): `)
	flagBadSyntax = regexp.MustCompile(`^bad flag syntax: (.*)$`)
)

// flagError turns the flag package's English parse error into the user's
// language.
func flagError(err error, u ui) string {
	s := err.Error()
	if m := flagUndefined.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf(u.t("không có tùy chọn --%s", "no such option --%s"), m[1])
	}
	if m := flagNeedsArg.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf(u.t("tùy chọn --%s cần một giá trị", "option --%s needs a value"), m[1])
	}
	if m := flagBadValue.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf(u.t("giá trị %q không hợp lệ cho --%s", "invalid value %q for --%s"), m[1], m[2])
	}
	if m := flagBadBool.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf(u.t("tùy chọn --%s chỉ nhận true hoặc false", "option --%s takes only true or false"), m[1])
	}
	if m := flagBadSyntax.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf(u.t("tùy chọn viết sai: %s", "malformed option: %s"), m[1])
	}
	return s
}

// helpHint is the short line after a usage error.
func helpHint(name string, u ui) string {
	if name == "" {
		return u.t("Xem trợ giúp: sohoa --help", "See: sohoa --help")
	}
	return fmt.Sprintf(u.t("Xem trợ giúp: sohoa %s --help", "See: sohoa %s --help"), name)
}

// printVersion writes the module version and the commit it was built from.
func printVersion(w io.Writer) {
	v, rev, when, dirty := "(devel)", "", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	line := "sohoa " + v + " " + runtime.Version()
	if rev != "" {
		line += " " + rev[:min(12, len(rev))]
		if dirty {
			line += "+"
		}
	}
	if t, err := time.Parse(time.RFC3339, when); err == nil {
		line += " " + t.Format(time.DateOnly)
	}
	fmt.Fprintln(w, line)
}

// isFlagHelp reports a -h/--help request.
func isFlagHelp(err error) bool { return errors.Is(err, flag.ErrHelp) }

// subcommand takes the subcommand of a command that has some (token,
// stack): missing or not one of subs is a usage error naming them; -h,
// --help or help prints the synopsis and returns flag.ErrHelp.
func subcommand(e *env, args []string, synopsis string, subs ...string) (sub string, rest []string, err error) {
	if len(args) == 0 {
		last := len(subs) - 1
		vi, en := subs[last], subs[last]
		if last > 0 {
			vi = strings.Join(subs[:last], ", ") + " hoặc " + subs[last]
			en = strings.Join(subs[:last], ", ") + " or " + subs[last]
		}
		return "", nil, usageError{e.ui.t("thiếu lệnh con: "+vi, "missing subcommand: "+en)}
	}
	switch sub = args[0]; {
	case sub == "-h" || sub == "--help" || sub == "help":
		fmt.Fprintln(e.stdout, synopsis)
		return "", nil, flag.ErrHelp
	case !slices.Contains(subs, sub):
		return "", nil, usageError{e.ui.t("lệnh con không rõ: ", "unknown subcommand: ") + sub}
	}
	return sub, args[1:], nil
}
