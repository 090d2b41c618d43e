//go:build cgo

package pdf

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"

	"github.com/ThalesGroup/crypto11"
)

// openPKCS11 opens the key (and, unless CertFile is given, the
// certificate) on a PKCS#11 token. crypto11 loads the module with dlopen,
// which needs cgo: a build without cgo (a station build) cannot sign
// with a token.
func (c SignerConfig) openPKCS11(s *signer, pin string) error {
	p11, err := crypto11.Configure(&crypto11.Config{Path: c.PKCS11Module, TokenLabel: c.PKCS11Token, Pin: pin})
	if err != nil {
		return fmt.Errorf("pdf: open PKCS#11 token %q: %w", c.PKCS11Token, err)
	}
	s.closeFn = p11.Close
	fail := func(err error) error { p11.Close(); return err }
	var key crypto11.Signer
	if c.PKCS11Key != "" {
		key, err = p11.FindKeyPair(nil, []byte(c.PKCS11Key))
	} else {
		var keys []crypto11.Signer
		keys, err = p11.FindAllKeyPairs()
		if err == nil && len(keys) != 1 {
			err = fmt.Errorf("the token holds %d key pairs: choose one with --sign-pkcs11-key", len(keys))
		} else if err == nil {
			key = keys[0]
		}
	}
	if err == nil && key == nil {
		err = fmt.Errorf("no key labelled %q", c.PKCS11Key)
	}
	if err != nil {
		return fail(fmt.Errorf("pdf: PKCS#11 key: %w", err))
	}
	s.key = key
	if c.CertFile != "" {
		s.chain, err = readCertChain(c.CertFile)
	} else {
		var cert *x509.Certificate
		if c.PKCS11Key != "" {
			cert, err = p11.FindCertificate(nil, []byte(c.PKCS11Key), nil)
		} else {
			// No label: the certificate paired with the token's one key
			// (an official's token holds just theirs).
			var pairs []tls.Certificate
			pairs, err = p11.FindAllPairedCertificates()
			for _, p := range pairs {
				if p.Leaf != nil && publicKeysEqual(key.Public(), p.Leaf.PublicKey) {
					cert = p.Leaf
				}
			}
		}
		if err == nil && cert == nil {
			err = fmt.Errorf("no certificate labelled %q on the token: give --sign-cert", c.PKCS11Key)
		}
		s.chain = []*x509.Certificate{cert}
	}
	if err != nil {
		return fail(fmt.Errorf("pdf: PKCS#11 certificate: %w", err))
	}
	return nil
}

// openTokenKey logs in to a PKCS#11 token with pin and finds the key (and
// its certificate) as SignerConfig does.
func openTokenKey(c TokenConfig, pin string) (*TokenKey, error) {
	k := &TokenKey{}
	if err := (SignerConfig{PKCS11Module: c.Module, PKCS11Token: c.Token, PKCS11Key: c.Key, CertFile: c.CertFile}).openPKCS11(&k.s, pin); err != nil {
		return nil, err
	}
	return k, nil
}
