package ocr

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModelError says that a Tesseract language model is not installed, in
// words for the person at the desk: which language, where it was looked
// for, which package brings it.
type ModelError struct {
	Lang string // Tesseract language code, e.g. "vie"
	Dir  string // the tessdata folder searched
}

func (e *ModelError) Error() string {
	return fmt.Sprintf("ocr: no Tesseract model %q (%s is missing)", e.Lang, filepath.Join(e.Dir, e.Lang+".traineddata"))
}

// VI is the message in Vietnamese.
func (e *ModelError) VI() string {
	return fmt.Sprintf("chưa cài mô hình ngôn ngữ %q của Tesseract (không có %s): cài gói tesseract-ocr-%s, hoặc đặt TESSDATA_PREFIX là thư mục chứa tệp .traineddata",
		e.Lang, filepath.Join(e.Dir, e.Lang+".traineddata"), e.Lang)
}

// EN is the message in English.
func (e *ModelError) EN() string {
	return fmt.Sprintf("the Tesseract language model %q is not installed (%s is missing): install the package tesseract-ocr-%s, or set TESSDATA_PREFIX to the folder holding the .traineddata files",
		e.Lang, filepath.Join(e.Dir, e.Lang+".traineddata"), e.Lang)
}

// CheckModels returns a *ModelError for the first of langs ("vie+eng")
// whose model is not in the tessdata folder (TESSDATA_PREFIX, else
// DefaultTessdata). Commands call it before any work so that a missing
// model is one clear message, not a failed engine start per page.
func CheckModels(langs string) error {
	dir := os.Getenv("TESSDATA_PREFIX")
	if dir == "" {
		dir = DefaultTessdata
	}
	for _, l := range strings.Split(langs, "+") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, l+".traineddata")); err != nil {
			return &ModelError{Lang: l, Dir: dir}
		}
	}
	return nil
}
