package ocr

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ocr/ocrtest"
)

// secretEnv is what a server's environment may hold and no child that parses
// untrusted files may see.
var secretEnv = map[string]string{
	"SOHOA_SIGN_PASS":       "mat-khau-ky",
	"SOHOA_PKCS11_PIN":      "123456",
	"SOHOA_WEBHOOK_SECRET":  "bi-mat-webhook",
	"SOHOA_DB":              "postgres://sohoa:db-pass@127.0.0.1/sohoa",
	"SOHOA_S3":              "http://sohoa:s3-secret@127.0.0.1:9000/sohoa",
	"SOHOA_AMQP":            "amqp://sohoa:amqp-pass@127.0.0.1:5672/",
	"SOHOA_TOKEN":           "station-token",
	"AWS_SECRET_ACCESS_KEY": "aws-secret",
}

func setSecrets(t *testing.T) {
	for k, v := range secretEnv {
		t.Setenv(k, v)
	}
}

// checkChildEnv reads an environment dumped by `env` and checks that no
// secret reached it and that what the child needs did.
func checkChildEnv(t *testing.T, dump string, need ...string) {
	t.Helper()
	data, err := os.ReadFile(dump)
	if err != nil {
		t.Fatalf("the child did not run: %v", err)
	}
	env := string(data)
	for k, v := range secretEnv {
		if strings.Contains(env, k+"=") || strings.Contains(env, v) {
			t.Errorf("the child sees %s", k)
		}
	}
	for _, n := range need {
		if !strings.Contains("\n"+env, "\n"+n) {
			t.Errorf("the child lacks %s; its environment:\n%s", n, env)
		}
	}
}

// TestEngineChildEnv: an OCR engine child gets PATH, the model folder, the
// thread limit, its allocator tuning (engineMalloc) and the debugging
// switches an operator set, and none of the secrets of the process that
// starts it.
func TestEngineChildEnv(t *testing.T) {
	setSecrets(t)
	t.Setenv("SOHOA_OCR_TRACE", "1")
	t.Setenv("SOHOA_OCR_DUMP", "/tmp/sohoa-dump")
	dump := filepath.Join(t.TempDir(), "env")
	p := NewPool(Options{Engines: 1, Command: []string{"/bin/sh", "-c", "env > " + dump + "; exit 3"}})
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, _, err := p.Recognize(ctx, Input{Name: "p.png", Data: ocrtest.TinyPNG(t, 40, 30)}); err == nil {
		t.Fatal("an engine that exits at once recognized a page")
	}
	checkChildEnv(t, dump, "PATH=", "TESSDATA_PREFIX=", "OMP_THREAD_LIMIT=1", EngineEnv+"=1", engineMalloc,
		"SOHOA_OCR_TRACE=1", "SOHOA_OCR_DUMP=/tmp/sohoa-dump")
}

// TestPopplerChildEnv: poppler's tools, which parse uploaded PDFs in the
// API process's name, get the child environment too.
func TestPopplerChildEnv(t *testing.T) {
	setSecrets(t)
	dir := t.TempDir()
	dump := filepath.Join(dir, "env")
	// A pdfinfo first in PATH that writes its environment and hands over
	// to the real one.
	real := "/usr/bin/pdfinfo"
	script := "#!/bin/sh\nenv > " + dump + "\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "pdfinfo"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	info, err := Inspect(context.Background(), "p.pdf", ocrtest.ReadCorpus(t, "ocrmypdf/cardinal.pdf"), Limits{})
	if err != nil || info.Pages != 4 {
		t.Fatalf("inspect through the wrapper: %+v %v", info, err)
	}
	checkChildEnv(t, dump, "PATH=")
}
