package pdf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/pdf/pdftest"
)

const softHSM = pdftest.SoftHSM

// A key on a SoftHSM2 token (as on an official's USB token) signs through PKCS#11.
func TestSignPKCS11SoftHSM(t *testing.T) {
	pdftest.NewSoftHSM(t)
	pki := newTestPKI(t, nil)
	pdftest.SoftHSMToken(t, "sohoa-token", "246810", pki.SignerKey, pki.Signer)
	dir := t.TempDir()
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
