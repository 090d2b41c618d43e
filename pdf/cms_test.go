package pdf

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
)

// CMS lengths of 2^24 bytes and more take a four-byte DER length; the
// hand-written encoder this replaced wrote three bytes and broke them.
func TestCMSLongLengths(t *testing.T) {
	pki := newTestPKI(t, nil)
	cms := pki.cms(t, "tài liệu", false)
	sd, err := parseSignedData(cms)
	if err != nil || len(sd.signers) != 1 || sd.signerCert(sd.signers[0]) == nil {
		t.Fatalf("parse our own CMS: %v", err)
	}
	si := sd.signers[0]
	for _, size := range []int{1<<24 - 1, 1 << 24, 1<<24 + 300} {
		big := append([]byte{0x04, 0x84, byte(size >> 24), byte(size >> 16), byte(size >> 8), byte(size)}, make([]byte, size)...)
		out, err := encodeSignedData(oidSHA256, si.signedAttrs, oidRSAEncryption, true, si.signature, nil, pki.Signer, [][]byte{pki.Signer.Raw, big})
		if err != nil {
			t.Fatalf("%d: %v", size, err)
		}
		// An independent parser reads the whole thing, with nothing left over.
		var ci struct {
			Type    asn1.ObjectIdentifier
			Content asn1.RawValue `asn1:"explicit,tag:0"`
		}
		rest, err := asn1.Unmarshal(out, &ci)
		if err != nil || len(rest) != 0 || !ci.Type.Equal(oidSignedData) {
			t.Fatalf("%d: encoding/asn1: %v, %d bytes left", size, err, len(rest))
		}
		got, err := parseSignedData(out)
		if err != nil || len(got.signers) != 1 || got.signerCert(got.signers[0]) == nil || !bytes.Equal(got.signers[0].signature, si.signature) {
			t.Fatalf("%d: parse back: %v", size, err)
		}
	}
}

// BER with indefinite lengths (older signing tools) reads as its DER form.
func TestCMSBER(t *testing.T) {
	der := newTestPKI(t, nil).cms(t, "x", true)
	// Outer SEQUENCE with an indefinite length.
	var outer asn1.RawValue
	asn1.Unmarshal(der, &outer)
	ber := append(append([]byte{0x30, 0x80}, outer.Bytes...), 0, 0)
	sd, err := parseSignedData(ber)
	if err != nil || len(sd.signers) != 1 {
		t.Fatalf("BER: %v", err)
	}
	if _, err := parseSignedData(ber[:len(ber)-1]); err == nil {
		t.Error("truncated BER parsed")
	}
}

func chainOf(p *testPKI) []*x509.Certificate { return []*x509.Certificate{p.Signer} }

func TestReadableName(t *testing.T) {
	uid := asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	email := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	for _, tc := range []struct {
		name pkix.Name
		want string
	}{
		{pkix.Name{Names: []pkix.AttributeTypeAndValue{
			{Type: asn1.ObjectIdentifier{2, 5, 4, 6}, Value: "VN"},
			{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"},
			{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "TRUNG TÂM CÔNG BÁO VÀ TIN HỌC"},
			{Type: email, Value: "ttcbth@quangngai.gov.vn"},
			{Type: uid, Value: "MST:4300476238"},
		}}, "CN=TRUNG TÂM CÔNG BÁO VÀ TIN HỌC, UID=MST:4300476238, E=ttcbth@quangngai.gov.vn, O=ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI, C=VN"},
		// Decomposed input comes out composed (NFC); Latin-1 bytes as text.
		{pkix.Name{Names: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "Nguye\u0302\u0303n"}}}, "CN=Nguyễn"},
		{pkix.Name{Names: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 7}, Value: "Qu\xe9bec"}}}, "L=Québec"},
	} {
		if got := readableName(tc.name); got != tc.want {
			t.Errorf("readableName = %q, want %q", got, tc.want)
		}
	}
}
