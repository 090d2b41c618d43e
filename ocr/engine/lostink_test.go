package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/cmd/sohoa/sohoatest"
	"github.com/sohoa/sohoa/ocr"
)

// TestLostListDigits: on a phone photo of a reception slip (desk preset,
// seed 10, p0009), the page reading left the digits of its bold numbered
// list out of half the items (". Số lượng hồ sơ", "2." read ".") and read
// them as a block of their own down the column ("xi +> N"), at confidence
// 95, unflagged: 1.2% CER where bare Tesseract reads 0.1%. The ink no
// word covered is found, those lines are read again alone, the digits go
// in and the column's debris goes.
func TestLostListDigits(t *testing.T) {
	dir := t.TempDir()
	sohoatest.Generate(t, dir, "-seed", "10", "-preset", "desk", "-n", "9")
	tp, data := readPage(t, dir, "p0009")
	res, _, err := sharedPool().Recognize(context.Background(), ocr.Input{Name: tp.Image, Data: data, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	cer := ocr.CER(res.Text, tp.Text)
	t.Logf("conf %.1f review %v %v CER %.2f%% evidence %+v", res.Confidence, res.NeedsReview, res.ReviewReasons, 100*cer, res.Evidence)
	for n, item := range []string{"1. Thành phần", "2. Số lượng", "3. Thời gian giải", "4. Thời gian nhận", "5. Thời gian trả", "6. Phí", "7. Đăng ký"} {
		if !strings.Contains(res.Text, item) {
			t.Errorf("item %d not read whole: %q missing", n+1, item)
		}
	}
	if cer > 0.005 {
		t.Errorf("CER %.2f%%, want <= 0.5%%", 100*cer)
	}
	if res.Evidence == nil || res.Evidence.LostInk != 0 {
		t.Errorf("letters left unread: %+v", res.Evidence)
	}
}
