package ocr

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"syscall"
	"time"
)

// The engine protocol: the parent and the child exchange frames, each a
// 4-byte big-endian length then that many bytes. After start-up the child
// sends one hello frame (JSON engineHello). Then, per page, the parent sends
// a JSON job frame and a data frame (the file's bytes); the child answers
// with a JSON engineReply frame and a data frame (the encoded page image).

// EngineEnv is the environment variable that turns a process into an OCR
// engine child (see MaybeServeEngine).
const EngineEnv = "SOHOA_OCR_ENGINE"

// engineLangsEnv carries Options.Languages to the child.
const engineLangsEnv = "SOHOA_OCR_LANGS"

const maxFrame = 1 << 30

type engineHello struct {
	Err string `json:"err,omitempty"`
}

type engineReply struct {
	Result Result      `json:"result"`
	Image  Image       `json:"image"`
	Err    string      `json:"err,omitempty"`
	Input  *InputError `json:"input_error,omitempty"`
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

// MaybeServeEngine makes this process an OCR engine child when the
// environment asks for it (SOHOA_OCR_ENGINE=1): it serves pages on stdin
// and stdout and exits. Otherwise it returns at once. Call it first thing
// in main, and in TestMain of every package whose tests recognize pages,
// since a Pool starts its engines by re-running its own executable.
func MaybeServeEngine() {
	if os.Getenv(EngineEnv) != "1" {
		return
	}
	err := ServeEngine(context.Background(), os.Stdin, os.Stdout, os.Getenv(engineLangsEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ocr engine:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// ServeEngine loads Tesseract for langs and serves pages from r to w until
// r ends. When w is os.Stdout, the process's own fd 1 is pointed at stderr
// first, so that stray prints from C libraries cannot corrupt the frames.
func ServeEngine(ctx context.Context, r io.Reader, w io.Writer, langs string) error {
	if f, ok := w.(*os.File); ok && f == os.Stdout {
		fd, err := syscall.Dup(1)
		if err != nil {
			return err
		}
		if err := syscall.Dup2(2, 1); err != nil {
			return err
		}
		w = os.NewFile(uintptr(fd), "engine-out")
	}
	// The page images are large and short-lived: give memory back quickly.
	debug.SetGCPercent(50)

	bw := bufio.NewWriterSize(w, 1<<16)
	br := bufio.NewReaderSize(r, 1<<16)
	tessdata := os.Getenv("TESSDATA_PREFIX")
	if tessdata == "" {
		tessdata = DefaultTessdata
	}
	rec, err := newRecognizer(tessdata, langs)
	hello := engineHello{}
	if err != nil {
		hello.Err = err.Error()
	}
	if err := sendJSON(bw, hello, nil); err != nil {
		return err
	}
	if rec == nil {
		return err
	}
	defer rec.close()
	var last []byte // the file of the previous job, for Cached jobs
	gen := 0
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
		var j job
		if err := json.Unmarshal(hdr, &j); err != nil {
			return fmt.Errorf("bad job: %w", err)
		}
		if j.Cached {
			if last == nil {
				return errors.New("cached job without a previous file")
			}
			data = last
		} else {
			gen++
		}
		j.Data, j.gen, last = data, gen, data
		cpu0 := cpuTime()
		res, img, err := rec.process(ctx, &j)
		res.CPU = cpuTime() - cpu0
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

// cpuTime is the processor time of this process and its reaped children.
func cpuTime() time.Duration {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	return time.Duration(self.Utime.Nano() + self.Stime.Nano() + kids.Utime.Nano() + kids.Stime.Nano())
}
