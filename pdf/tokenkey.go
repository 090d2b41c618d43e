package pdf

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
)

// TokenConfig names a key on an official's PKCS#11 token (a USB token of
// a licensed CA, or SoftHSM2 in tests).
type TokenConfig struct {
	Module   string // the PKCS#11 library (.so / .dll)
	Token    string // token label
	Key      string // key (and certificate) label; may be empty when the token holds one key
	CertFile string // PEM chain, when the token holds no certificate
}

// TokenKey is a logged-in key on a token, for desk signing: the desk
// client (`sohoa sign`) and the local signing agent share it. Open it with
// OpenTokenKey, which checks that the certificate belongs to the key. The
// PIN is used once, to log in, and not kept. Close logs out.
type TokenKey struct{ s signer }

// OpenTokenKey logs in to the token with pin and finds the key and its
// certificate.
func OpenTokenKey(c TokenConfig, pin string) (*TokenKey, error) {
	if c.Module == "" || c.Token == "" {
		return nil, errors.New("pdf: a token needs its PKCS#11 library and label")
	}
	k, err := openTokenKey(c, pin)
	if err != nil {
		return nil, err
	}
	if !publicKeysEqual(k.s.key.Public(), k.s.chain[0].PublicKey) {
		k.Close()
		return nil, errors.New("pdf: the certificate does not belong to the token's key")
	}
	return k, nil
}

// Chain is the key's certificate chain, signer first.
func (k *TokenKey) Chain() []*x509.Certificate { return k.s.chain }

// SignAttributes signs SHA-256 of the DER signed attributes (as returned
// by SignedAttributes and the server's prepare step) with the token's key:
// the signature value the server wraps in the CMS.
func (k *TokenKey) SignAttributes(signedAttrs []byte) ([]byte, error) {
	sum := sha256.Sum256(signedAttrs)
	sig, err := k.s.key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("pdf: token signature: %w", err)
	}
	return sig, nil
}

// Close logs out of the token.
func (k *TokenKey) Close() error { return k.s.close() }

// ReadCertificates reads the PEM certificates of a file, in order: the
// chain a desk client sends beside its token's certificate.
func ReadCertificates(path string) ([]*x509.Certificate, error) { return readCertChain(path) }
