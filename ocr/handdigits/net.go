// Package handdigits reads handwritten digits: a small neural network
// trained on MNIST (testdata/digitnet writes its weights, weights.bin)
// classifies the digits cut out of the ink of a blank, each normalised the
// way MNIST's were (the digit fitted in a 20×20 box, antialiased, its centre
// of mass at the centre of 28×28), with a probability per digit.
//
// It is pure Go and needs no cgo: the engine child uses it beside
// Tesseract for the blanks of a header (see ocr.Pool.ReadDigits), where
// Tesseract, a reader of print, garbles handwriting.
package handdigits

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Side is the side of the square image the network reads (MNIST's).
const Side = 28

//go:embed weights.bin
var weights []byte

// weightsMagic starts a weights file (version 1: int8 weights with a scale
// per output, float32 biases, little endian).
const weightsMagic = "HDN1"

// Layer is one fully connected layer: Out outputs of In inputs each, the
// weights row by row (W[o*In+i]).
type Layer struct {
	In, Out int
	W       []float32
	B       []float32
}

// Net is a multi-layer perceptron: ReLU between the layers, softmax at the
// end over the ten digits.
type Net struct {
	Layers []Layer
}

// Load reads the network committed with the package.
func Load() (*Net, error) {
	return Unmarshal(weights)
}

// Probabilities are the network's belief in each digit, summing to 1.
type Probabilities [10]float64

// Best is the most probable digit and its probability.
func (p Probabilities) Best() (int, float64) {
	best := 0
	for d := range p {
		if p[d] > p[best] {
			best = d
		}
	}
	return best, p[best]
}

// Classify gives the probabilities of the ten digits for a normalised
// image (Side×Side, ink 1, paper 0; see Normalize).
func (n *Net) Classify(img *[Side * Side]float32) Probabilities {
	acts := n.Forward(img[:], nil)
	logits := acts[len(acts)-1]
	var p Probabilities
	top := float32(math.Inf(-1))
	for _, v := range logits {
		top = max(top, v)
	}
	var sum float64
	for d := range p {
		p[d] = math.Exp(float64(logits[d] - top))
		sum += p[d]
	}
	for d := range p {
		p[d] /= sum
	}
	return p
}

// Forward runs the layers on in and returns every layer's output (after its
// ReLU, except the last one's, which are the logits), reusing acts's
// buffers when it has them (the trainer calls it for each sample).
func (n *Net) Forward(in []float32, acts [][]float32) [][]float32 {
	if len(acts) != len(n.Layers) {
		acts = make([][]float32, len(n.Layers))
	}
	x := in
	for l, ly := range n.Layers {
		if len(acts[l]) != ly.Out {
			acts[l] = make([]float32, ly.Out)
		}
		out := acts[l]
		for o := range ly.Out {
			row := ly.W[o*ly.In : (o+1)*ly.In]
			s := ly.B[o]
			for i, w := range row {
				s += w * x[i]
			}
			if l < len(n.Layers)-1 && s < 0 {
				s = 0
			}
			out[o] = s
		}
		x = out
	}
	return acts
}

// MarshalBinary writes the network quantized: each output's weights as
// int8 with their own scale.
func (n *Net) MarshalBinary() ([]byte, error) {
	b := []byte(weightsMagic)
	b = append(b, byte(len(n.Layers)))
	for _, ly := range n.Layers {
		if ly.In > math.MaxUint16 || ly.Out > math.MaxUint16 || len(ly.W) != ly.In*ly.Out || len(ly.B) != ly.Out {
			return nil, fmt.Errorf("handdigits: layer of %d×%d with %d weights, %d biases", ly.In, ly.Out, len(ly.W), len(ly.B))
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(ly.In))
		b = binary.LittleEndian.AppendUint16(b, uint16(ly.Out))
		for o := range ly.Out {
			var top float32
			for _, w := range ly.W[o*ly.In : (o+1)*ly.In] {
				top = max(top, float32(math.Abs(float64(w))))
			}
			scale := top / 127
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(scale))
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(ly.B[o]))
			for _, w := range ly.W[o*ly.In : (o+1)*ly.In] {
				q := 0.0
				if scale > 0 {
					q = math.Round(float64(w / scale))
				}
				b = append(b, byte(int8(max(-127, min(127, q)))))
			}
		}
	}
	return b, nil
}

// Unmarshal reads a network that MarshalBinary wrote.
func Unmarshal(b []byte) (*Net, error) {
	if len(b) < len(weightsMagic)+1 || string(b[:len(weightsMagic)]) != weightsMagic {
		return nil, errors.New("handdigits: not a weights file")
	}
	n := &Net{}
	layers := int(b[len(weightsMagic)])
	b = b[len(weightsMagic)+1:]
	in := Side * Side
	for l := range layers {
		if len(b) < 4 {
			return nil, fmt.Errorf("handdigits: weights cut in layer %d", l+1)
		}
		ly := Layer{In: int(binary.LittleEndian.Uint16(b)), Out: int(binary.LittleEndian.Uint16(b[2:]))}
		b = b[4:]
		if ly.In != in || ly.Out == 0 || len(b) < ly.Out*(8+ly.In) {
			return nil, fmt.Errorf("handdigits: layer %d of %d×%d does not fit", l+1, ly.In, ly.Out)
		}
		ly.W, ly.B = make([]float32, ly.In*ly.Out), make([]float32, ly.Out)
		for o := range ly.Out {
			scale := math.Float32frombits(binary.LittleEndian.Uint32(b))
			ly.B[o] = math.Float32frombits(binary.LittleEndian.Uint32(b[4:]))
			for i, q := range b[8 : 8+ly.In] {
				ly.W[o*ly.In+i] = float32(int8(q)) * scale
			}
			b = b[8+ly.In:]
		}
		n.Layers = append(n.Layers, ly)
		in = ly.Out
	}
	if in != 10 || len(b) != 0 {
		return nil, fmt.Errorf("handdigits: %d outputs, %d bytes left over", in, len(b))
	}
	return n, nil
}
