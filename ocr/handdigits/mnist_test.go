package handdigits

import (
	"context"
	"image"
	"testing"

	"github.com/sohoa/sohoa/ocr/handdigits/mnist"
)

// netAndTestSet loads the committed network and MNIST's test set.
func netAndTestSet(t *testing.T) (*Net, mnist.Set) {
	t.Helper()
	net, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	set, err := mnist.Test(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return net, set
}

// The committed network on MNIST's test digits, drawn as a blank gives
// them (enlarged twice, thresholded, normalised), whole and as the
// segmenter cuts them: at least mnistFloor right.
func TestMNISTAccuracy(t *testing.T) {
	const mnistFloor = 0.98
	net, set := netAndTestSet(t)
	imgs, labels := set.Images, set.Labels
	right, read := 0, 0
	for i, img := range imgs {
		x := Normalize(Render(img, mnist.Side, 2, [4]float64{1, 0, 0, 1}, 0.5))
		if d, _ := net.Classify(&x).Best(); d == int(labels[i]) {
			right++
		}
		if i%10 == 0 { // a tenth through Read: segmentation as well
			if r := net.Read(glyphImage(Render(img, mnist.Side, 2, [4]float64{1, 0, 0, 1}, 0.5), 6)); r.Text == string(rune('0'+labels[i])) {
				read++
			}
		}
	}
	acc, readAcc := float64(right)/float64(len(imgs)), float64(read)/float64(len(imgs)/10)
	t.Logf("MNIST test: %.2f%% right (%d/%d); through Read %.2f%%", 100*acc, right, len(imgs), 100*readAcc)
	if acc < mnistFloor {
		t.Errorf("MNIST test accuracy %.2f%%, under the floor of %.0f%%", 100*acc, 100*mnistFloor)
	}
	if readAcc < mnistFloor-0.02 {
		t.Errorf("MNIST test accuracy through Read %.2f%%, under %.0f%%", 100*readAcc, 100*(mnistFloor-0.02))
	}
}

// glyphImage draws a glyph black on white with a margin, as the engine's
// blank crop holds marks.
func glyphImage(g Glyph, margin int) *image.Gray {
	w := g.Box.Dx()
	img := image.NewGray(image.Rect(0, 0, w+2*margin, g.Box.Dy()+2*margin))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for i, on := range g.Ink {
		if on {
			img.Pix[(i/w+margin)*img.Stride+i%w+margin] = 0
		}
	}
	return img
}

func TestUnmarshal(t *testing.T) {
	net, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	b, err := net.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != len(weights) {
		t.Errorf("weights written again: %d bytes, committed %d", len(b), len(weights))
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"other magic", append([]byte("HDN0"), weights[4:]...)},
		{"cut", weights[:len(weights)-1]},
		{"trailing", append(append([]byte{}, weights...), 0)},
	} {
		if _, err := Unmarshal(tc.data); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
