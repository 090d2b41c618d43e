// Command cer scores OCR output against the generator's ground truth with
// ocr.CER and ocr.WER.
//
//	tesseract page.png out -l vie && go run ./testdata/cer page.json out.txt
//	go run ./testdata/cer page.json - < out.txt
//
// Arguments come in pairs: ground-truth JSON (or a plain .txt reference),
// then the recognized text ("-" for standard input). It prints one line per
// pair and, for several pairs, the mean.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sohoa/sohoa/ocr"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cer:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 || len(args)%2 != 0 {
		return errors.New("usage: cer TRUTH.json|REF.txt GOT.txt|- [TRUTH GOT]...")
	}
	var sumC, sumW float64
	for i := 0; i < len(args); i += 2 {
		want, err := reference(args[i])
		if err != nil {
			return err
		}
		got, err := readText(args[i+1])
		if err != nil {
			return err
		}
		c, w := ocr.CER(got, want), ocr.WER(got, want)
		sumC, sumW = sumC+c, sumW+w
		fmt.Printf("%s\tCER %.2f%%\tWER %.2f%%\n", args[i], 100*c, 100*w)
	}
	if n := float64(len(args) / 2); n > 1 {
		fmt.Printf("mean\tCER %.2f%%\tWER %.2f%%\n", 100*sumC/n, 100*sumW/n)
	}
	return nil
}

func reference(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(path, ".json") {
		return string(b), nil
	}
	var t struct {
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if t.Text == nil {
		return "", fmt.Errorf("%s: no \"text\" field", path)
	}
	return *t.Text, nil
}

func readText(path string) (string, error) {
	if path == "-" {
		b, err := io.ReadAll(os.Stdin)
		return string(b), err
	}
	b, err := os.ReadFile(path)
	return string(b), err
}
