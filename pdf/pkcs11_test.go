package pdf

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/pdf/pdftest"
)

const softHSM = "/usr/lib/softhsm/libsofthsm2.so"

// A key on a SoftHSM2 token (as on an official's USB token) signs through PKCS#11.
func TestSignPKCS11SoftHSM(t *testing.T) {
	if _, err := os.Stat(softHSM); err != nil {
		t.Fatalf("SoftHSM2 missing (%v): install softhsm2 and opensc, or run `bash .ci/test`", err)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "softhsm2.conf")
	os.MkdirAll(filepath.Join(dir, "tokens"), 0o700)
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)

	pki := newTestPKI(t, nil)
	keyDER, err := x509.MarshalPKCS8PrivateKey(pki.SignerKey)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := filepath.Join(dir, "key.pem")
	os.WriteFile(keyPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	certDER := filepath.Join(dir, "cert.der")
	os.WriteFile(certDER, pki.Signer.Raw, 0o600)
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	run("softhsm2-util", "--init-token", "--free", "--label", "sohoa-token", "--so-pin", "12345678", "--pin", "246810")
	run("softhsm2-util", "--import", keyPEM, "--token", "sohoa-token", "--label", "official", "--id", "01", "--pin", "246810")
	run("pkcs11-tool", "--module", softHSM, "--token-label", "sohoa-token", "--login", "--pin", "246810",
		"--write-object", certDER, "--type", "cert", "--label", "official", "--id", "01")

	pinFile := filepath.Join(dir, "pin")
	os.WriteFile(pinFile, []byte("246810\n"), 0o600)
	s, err := SignerConfig{PKCS11Module: softHSM, PKCS11Token: "sohoa-token", PKCS11PINFile: pinFile, PKCS11Key: "official", TSAURL: pki.tsa(t)}.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	path := assembleFile(t, dir, testPages(t, 2), PDFA1B)
	signFile(t, s, path)
	pdftest.Preflight(t, path)
	pdftest.QPDFCheck(t, path)
	out := pdfsig(t, pki.nssDB(t), path)
	for _, want := range []string{"Signature is Valid", "Total document signed", "ETSI.CAdES.detached", "Certificate is Trusted", "NGUYỄN VĂN A"} {
		if !strings.Contains(out, want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, out)
		}
	}
	if r := verifyFile(t, path, pki.caPEM); !r.OK() {
		t.Errorf("Verify: %+v", r.Signatures)
	}
}
