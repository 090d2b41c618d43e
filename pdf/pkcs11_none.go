//go:build !cgo

package pdf

import "errors"

// openPKCS11 refuses: loading a PKCS#11 module needs cgo.
func (c SignerConfig) openPKCS11(s *signer, pin string) error {
	return errors.New("pdf: PKCS#11 signing needs a build with cgo (this one has none); use --sign-p12")
}

func openTokenKey(c TokenConfig, pin string) (*TokenKey, error) {
	return nil, errors.New("pdf: PKCS#11 signing needs a build with cgo (this one has none)")
}
