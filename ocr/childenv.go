package ocr

import (
	"context"
	"os"
	"os/exec"
	"strings"
)

// childEnvKeys are the variables a child that parses untrusted files may
// see: where programs and models are, the locale, the temp folder, and the
// Go runtime's knobs (the engine child is this executable), and the engine's
// debugging switches (SOHOA_OCR_TRACE, SOHOA_OCR_DUMP), which only an
// operator sets and which act in the child. Everything else
// stays behind: the signing password and PIN, the webhook secret, database
// and S3 URLs with their credentials, tokens. A bug in a C decoder that
// lets a file run code, or print its environment, then finds nothing to
// steal.
var childEnvKeys = []string{
	"PATH", "HOME", "TMPDIR", "TZ",
	"LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_NUMERIC",
	"TESSDATA_PREFIX", "OMP_THREAD_LIMIT",
	"FONTCONFIG_FILE", "FONTCONFIG_PATH", "XDG_CACHE_HOME",
	"SOHOA_LANG", "SOHOA_OCR_TRACE", "SOHOA_OCR_DUMP",
	"GOMAXPROCS", "GOTRACEBACK", "GODEBUG", "GOCOVERDIR",
	"SYSTEMROOT", // Windows programs need it to start
}

// ChildEnv is the environment of a child process that reads untrusted
// input (an OCR engine, poppler): the variables of childEnvKeys that are
// set here, then extra ("KEY=value"), which win.
func ChildEnv(extra ...string) []string {
	env := make([]string, 0, len(childEnvKeys)+len(extra))
	for _, k := range childEnvKeys {
		if v, ok := os.LookupEnv(k); ok && !overridden(k, extra) {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}

func overridden(k string, extra []string) bool {
	for _, e := range extra {
		if strings.HasPrefix(e, k+"=") {
			return true
		}
	}
	return false
}

// PopplerCommand runs one of poppler's tools on an untrusted PDF with the
// child environment.
func PopplerCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = ChildEnv()
	return cmd
}
