package ocr

import "errors"

// InputError says why an input file was refused, in Vietnamese and English,
// in words a scanner operator understands. Compare with errors.Is against
// the Err* values, which match on Code.
type InputError struct {
	Code   string `json:"code"`
	VI     string `json:"vi"`
	EN     string `json:"en"`
	Detail string `json:"detail,omitempty"`
}

func (e *InputError) Error() string {
	s := e.VI + " (" + e.EN + ")"
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Is matches any InputError with the same Code.
func (e *InputError) Is(target error) bool {
	var t *InputError
	return errors.As(target, &t) && t.Code == e.Code
}

// With returns a copy of e carrying a detail (the Err* values stay as they are).
func (e *InputError) With(detail string) *InputError {
	c := *e
	c.Detail = detail
	return &c
}

// Reasons an input file is refused.
var (
	ErrNotImage    = &InputError{Code: "not_image", VI: "tệp không phải ảnh hay PDF quét", EN: "not an image or scanned PDF"}
	ErrUnsupported = &InputError{Code: "unsupported", VI: "định dạng ảnh không được hỗ trợ", EN: "unsupported image format"}
	ErrTruncated   = &InputError{Code: "truncated", VI: "ảnh bị cắt cụt (tệp không đầy đủ)", EN: "truncated image (incomplete file)"}
	ErrCorrupt     = &InputError{Code: "corrupt", VI: "ảnh hỏng, không giải mã được", EN: "damaged image, cannot be decoded"}
	ErrTooLarge    = &InputError{Code: "too_large", VI: "ảnh quá lớn", EN: "image too large"}
	ErrTooManyPage = &InputError{Code: "too_many_pages", VI: "tệp có quá nhiều trang", EN: "too many pages in the file"}
	ErrNoSuchPage  = &InputError{Code: "no_such_page", VI: "tệp không có trang này", EN: "no such page in the file"}
	ErrEncrypted   = &InputError{Code: "encrypted", VI: "PDF bị mã hóa", EN: "encrypted PDF"}
)

// ErrEngine marks a page the engine could not finish: it crashed, hung past
// the page timeout, or could not start. Other pages are not affected.
var ErrEngine = errors.New("ocr engine failed on this page")
