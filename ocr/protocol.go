package ocr

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The engine protocol: the parent and the child exchange frames, each a
// 4-byte big-endian length then that many bytes. After start-up the child
// sends one hello frame (JSON engineHello). Then, per page, the parent sends
// a JSON Job frame and a data frame (the file's bytes); the child answers
// with a JSON engineReply frame and a data frame (the encoded page image).

// EngineEnv is the environment variable that turns a process into an OCR
// engine child (see package ocr/engine).
const EngineEnv = "SOHOA_OCR_ENGINE"

// EngineLangsEnv carries Options.Languages to the child.
const EngineLangsEnv = "SOHOA_OCR_LANGS"

const maxFrame = 1 << 30

// Job is one page handed to an engine child: what the parent learnt from
// the file's headers and the options that apply to the page.
type Job struct {
	Name        string  `json:"name"`
	Format      string  `json:"format"` // as Sniff names it
	Page        int     `json:"page"`
	DPI         float64 `json:"dpi"`       // resolution to use; 0 for PDF pages (found in the child)
	DPIKnown    bool    `json:"dpi_known"` // DPI came from the file or the caller
	DefaultDPI  float64 `json:"default_dpi"`
	JPEGQuality int     `json:"jpeg_quality"`
	KeepJPEG    bool    `json:"keep_jpeg"` // the file is a JPEG whose bytes a PDF can embed as is
	ReviewBelow float64 `json:"review_below"`
	// Cached: the file is the one this engine received last; no data
	// follows, the engine reuses its copy (pages of one file in a row).
	Cached bool `json:"cached,omitempty"`
	// Data is the whole file, sent in its own frame.
	Data []byte `json:"-"`
	// Digits, when set, makes the job a second reading of handwritten
	// digits in blanks of a corrected page image (Data), not a page: see
	// Pool.ReadDigits and DigitsEngine.
	Digits *digitsJob `json:"digits,omitempty"`
	// FileSeq numbers the files this engine has received (cached jobs
	// repeat the number), so that per-file work such as a PDF written to
	// disk for poppler can be kept for the next page of the same file.
	FileSeq int `json:"-"`
}

// A PageEngine recognizes pages inside an engine child; package
// ocr/engine provides the Tesseract one. Process gets one page at a time;
// an error wrapping an *InputError reaches the caller of Pool.Recognize
// as that InputError, any other as a plain error.
type PageEngine interface {
	Process(ctx context.Context, j *Job) (Result, Image, error)
	Close()
}

type engineHello struct {
	Err string `json:"err,omitempty"`
}

type engineReply struct {
	Result Result      `json:"result"`
	Image  Image       `json:"image"`
	Err    string      `json:"err,omitempty"`
	Input  *InputError `json:"input_error,omitempty"`
	// Digits answers a digits job, one reading per blank.
	Digits []DigitsReading `json:"digits,omitempty"`
}

func writeFrame(w io.Writer, b []byte) error {
	var h [4]byte
	binary.BigEndian.PutUint32(h[:], uint32(len(b)))
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	_, err := w.Write(b)
	return err
}

func readFrame(r io.Reader) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[:])
	if n > maxFrame {
		return nil, fmt.Errorf("ocr engine: frame of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// ServeEngine is the child's side of the protocol: it starts the engine
// (a start error is reported to the parent in the hello frame and
// returned), then serves pages from r to w until r ends.
func ServeEngine(ctx context.Context, r io.Reader, w io.Writer, start func() (PageEngine, error)) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	br := bufio.NewReaderSize(r, 1<<16)
	eng, err := start()
	hello := engineHello{}
	if err != nil {
		hello.Err = err.Error()
	}
	if err := sendJSON(bw, hello, nil); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	defer eng.Close()
	var last []byte // the file of the previous job, for Cached jobs
	seq := 0
	for {
		hdr, err := readFrame(br)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		data, err := readFrame(br)
		if err != nil {
			return err
		}
		var j Job
		if err := json.Unmarshal(hdr, &j); err != nil {
			return fmt.Errorf("bad job: %w", err)
		}
		if j.Cached {
			if last == nil {
				return errors.New("cached job without a previous file")
			}
			data = last
		} else {
			seq++
		}
		j.Data, j.FileSeq, last = data, seq, data
		if j.Digits != nil {
			if err := sendJSON(bw, readDigits(ctx, eng, &j), nil); err != nil {
				return err
			}
			continue
		}
		res, img, err := eng.Process(ctx, &j)
		reply := engineReply{Result: res, Image: img}
		if err != nil {
			var ie *InputError
			if errors.As(err, &ie) {
				reply.Input = ie
			}
			reply.Err = err.Error()
			img.Data = nil
		}
		if err := sendJSON(bw, reply, img.Data); err != nil {
			return err
		}
	}
}

// readDigits answers a digits job with the engine's second reading.
func readDigits(ctx context.Context, eng PageEngine, j *Job) engineReply {
	de, ok := eng.(DigitsEngine)
	if !ok {
		return engineReply{Err: "this OCR engine does not read handwritten digits"}
	}
	ds, err := de.ReadDigits(ctx, j)
	if err != nil {
		return engineReply{Err: err.Error()}
	}
	return engineReply{Digits: ds}
}

// sendJSON writes v as a frame, then data as a frame when v is a reply.
func sendJSON(bw *bufio.Writer, v any, data []byte) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := writeFrame(bw, b); err != nil {
		return err
	}
	if _, ok := v.(engineReply); ok {
		if err := writeFrame(bw, data); err != nil {
			return err
		}
	}
	return bw.Flush()
}
