package pdftest

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// SoftHSM is the PKCS#11 library of SoftHSM2, the software token the tests
// use in place of an official's USB token.
const SoftHSM = "/usr/lib/softhsm/libsofthsm2.so"

// NewSoftHSM makes an empty SoftHSM2 token store in a temporary folder
// and points SOFTHSM2_CONF at it for the test and the processes it starts.
// It fails the test when SoftHSM2 is missing.
func NewSoftHSM(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(SoftHSM); err != nil {
		t.Fatalf("SoftHSM2 missing (%v): install softhsm2 and opensc, or run `bash .ci/test`", err)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "softhsm2.conf")
	os.MkdirAll(filepath.Join(dir, "tokens"), 0o700)
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
}

// SoftHSMToken adds a token labelled label with PIN pin holding key and
// cert under the label "official" to the store NewSoftHSM made.
func SoftHSMToken(t testing.TB, label, pin string, key crypto.Signer, cert *x509.Certificate) {
	t.Helper()
	dir := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := filepath.Join(dir, "key.pem")
	os.WriteFile(keyPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	certDER := filepath.Join(dir, "cert.der")
	os.WriteFile(certDER, cert.Raw, 0o600)
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	run("softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "12345678", "--pin", pin)
	run("softhsm2-util", "--import", keyPEM, "--token", label, "--label", "official", "--id", "01", "--pin", pin)
	run("pkcs11-tool", "--module", SoftHSM, "--token-label", label, "--login", "--pin", pin,
		"--write-object", certDER, "--type", "cert", "--label", "official", "--id", "01")
}
