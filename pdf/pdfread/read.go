package pdfread

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Doc is one opened PDF file: get one from Open (or OpenWhole, which always
// parses the whole file with pdfcpu). Its methods read objects on demand; a
// Doc is not safe for concurrent use (the pdfcpu backend caches decoded
// objects in place).
type Doc struct {
	// Trailer is the newest trailer: /Size, /Root, /Info, /ID, /Encrypt as
	// the file has them (references unresolved).
	Trailer types.Dict
	// Version is the header's version, such as "1.7"; empty when the file
	// has no %PDF- header within its first kilobyte.
	Version string
	// Lazy is true when objects are read from the file on demand (classic
	// cross-reference tables), false when pdfcpu parsed the whole file.
	Lazy bool

	src source
}

// source is what a backend provides: one object by reference, and the
// decoded data of a stream object.
type source interface {
	resolve(ir types.IndirectRef) (types.Object, error)
	stream(o types.Object, limit int64) ([]byte, error)
}

// ErrUnsupported is returned by the lazy reader for files it leaves to
// pdfcpu; Open never returns it.
var ErrUnsupported = errors.New("pdfread: not a classic cross-reference table")

// Open reads the PDF in r (size bytes): lazily when it has classic
// cross-reference tables whose entries point at their objects, else
// through pdfcpu (see the package comment).
func Open(r io.ReaderAt, size int64) (*Doc, error) {
	if d, err := openLazy(r, size); err == nil {
		return d, nil
	}
	return OpenWhole(r, size)
}

// OpenWhole parses the whole file with pdfcpu, repairing damaged
// cross-reference tables where it can.
func OpenWhole(r io.ReaderAt, size int64) (d *Doc, err error) {
	defer func() {
		if p := recover(); p != nil {
			d, err = nil, fmt.Errorf("malformed PDF (parser failed: %v)", p)
		}
	}()
	ctx, err := api.ReadContext(io.NewSectionReader(r, 0, size), Config())
	if err != nil {
		return nil, fmt.Errorf("malformed PDF: %w", err)
	}
	if err := ctx.EnsurePageCount(); err != nil {
		return nil, fmt.Errorf("malformed PDF: %w", err)
	}
	xt := ctx.XRefTable
	d = &Doc{Trailer: types.Dict{}, src: wholeDoc{xt}}
	if xt.Size != nil {
		d.Trailer["Size"] = types.Integer(*xt.Size)
	}
	if xt.Root != nil {
		d.Trailer["Root"] = *xt.Root
	}
	if xt.Info != nil {
		d.Trailer["Info"] = *xt.Info
	}
	if xt.ID != nil {
		d.Trailer["ID"] = xt.ID
	}
	if xt.Encrypt != nil {
		d.Trailer["Encrypt"] = *xt.Encrypt
	}
	if xt.HeaderVersion != nil {
		d.Version = xt.HeaderVersion.String()
	}
	return d, nil
}

var configOnce sync.Once

// Config returns a relaxed pdfcpu configuration (real-world files bend
// the rules) after making sure pdfcpu never creates its configuration
// folder. Every use of pdfcpu in sohoa takes its configuration from here.
func Config() *model.Configuration {
	configOnce.Do(api.DisableConfigDir)
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	return conf
}

var (
	startxrefRE = regexp.MustCompile(`startxref\s+(\d+)`)
	headerRE    = regexp.MustCompile(`^%PDF-(\d\.\d)`)
)

// StartXref returns the offset of the last cross-reference section, as
// the last startxref in the file's final 2 KiB gives it (what an
// incremental update names as /Prev).
func StartXref(r io.ReaderAt, size int64) (int64, error) {
	n := min(size, 2048)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return 0, err
	}
	all := startxrefRE.FindAllSubmatch(buf, -1)
	if len(all) == 0 {
		return 0, errors.New("no startxref at the end of the file")
	}
	return strconv.ParseInt(string(all[len(all)-1][1]), 10, 64)
}

// headerVersion finds "%PDF-x.y" within the first kilobyte.
func headerVersion(r io.ReaderAt, size int64) string {
	head := make([]byte, min(size, 1024))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return ""
	}
	i := bytes.Index(head, []byte("%PDF-"))
	if i < 0 {
		return ""
	}
	if m := headerRE.FindSubmatch(head[i:]); m != nil {
		return string(m[1])
	}
	return ""
}

// maxChain bounds how many references Resolve follows (a→b→c...), against
// crafted loops.
const maxChain = 16

// Resolve follows indirect references until it reaches a direct object.
// A reference to a free or missing object is an error on the lazy
// backend and nil on pdfcpu's.
func (d *Doc) Resolve(o types.Object) (types.Object, error) {
	return follow(o, d.src.resolve)
}

// follow resolves o through get, at most maxChain references deep: the one
// loop behind Doc.Resolve and View.Resolve.
func follow(o types.Object, get func(types.IndirectRef) (types.Object, error)) (types.Object, error) {
	for range maxChain {
		ir, ok := o.(types.IndirectRef)
		if !ok {
			return o, nil
		}
		var err error
		if o, err = get(ir); err != nil {
			return nil, err
		}
	}
	return nil, errors.New("pdfread: reference chain too long")
}

// Stream returns the decoded data of the stream object o (a reference to
// it), failing when it would decode to more than limit bytes.
func (d *Doc) Stream(o types.Object, limit int64) ([]byte, error) {
	return d.src.stream(o, limit)
}

// Resolver resolves indirect references. *Doc and *View are Resolvers; the
// functions below read typed values through any of them.
type Resolver interface {
	Resolve(o types.Object) (types.Object, error)
}

// DictOf resolves o to a dictionary through r; a stream yields its dictionary.
func DictOf(r Resolver, o types.Object) (types.Dict, error) {
	o, err := r.Resolve(o)
	if err != nil {
		return nil, err
	}
	switch v := o.(type) {
	case types.Dict:
		return v, nil
	case types.StreamDict:
		return v.Dict, nil
	case *types.StreamDict:
		return v.Dict, nil
	}
	return nil, fmt.Errorf("want a dictionary, got %T", o)
}

// ArrayOf resolves o to an array through r.
func ArrayOf(r Resolver, o types.Object) (types.Array, error) {
	o, err := r.Resolve(o)
	if err != nil {
		return nil, err
	}
	if a, ok := o.(types.Array); ok {
		return a, nil
	}
	return nil, fmt.Errorf("want an array, got %T", o)
}

// NumberOf resolves o to an integer or real through r.
func NumberOf(r Resolver, o types.Object) (float64, error) {
	o, err := r.Resolve(o)
	if err != nil {
		return 0, err
	}
	switch v := o.(type) {
	case types.Integer:
		return float64(v), nil
	case types.Float:
		return float64(v), nil
	}
	return 0, fmt.Errorf("want a number, got %T", o)
}

// TextOf resolves o to a text string (literal or hex, PDFDocEncoding or
// UTF-16) through r.
func TextOf(r Resolver, o types.Object) (string, error) {
	o, err := r.Resolve(o)
	if err != nil {
		return "", err
	}
	return model.Text(o)
}

// NameOf returns the name stored under key in dict, resolved through r; ""
// when the key is missing or not a name.
func NameOf(r Resolver, dict types.Dict, key string) string {
	o, ok := dict.Find(key)
	if !ok {
		return ""
	}
	o, err := r.Resolve(o)
	if err != nil {
		return ""
	}
	if n, ok := o.(types.Name); ok {
		return string(n)
	}
	return ""
}

// Dict resolves o to a dictionary; a stream yields its dictionary.
func (d *Doc) Dict(o types.Object) (types.Dict, error) { return DictOf(d, o) }

// Array resolves o to an array.
func (d *Doc) Array(o types.Object) (types.Array, error) { return ArrayOf(d, o) }

// Number resolves o to an integer or real.
func (d *Doc) Number(o types.Object) (float64, error) { return NumberOf(d, o) }

// Text resolves o to a text string (literal or hex, PDFDocEncoding or UTF-16).
func (d *Doc) Text(o types.Object) (string, error) { return TextOf(d, o) }

// Name returns the name stored under key in dict, resolved; "" when the
// key is missing or not a name.
func (d *Doc) Name(dict types.Dict, key string) string { return NameOf(d, dict, key) }

// Root returns the document catalog.
func (d *Doc) Root() (types.Dict, error) {
	r, ok := d.Trailer.Find("Root")
	if !ok {
		return nil, errors.New("trailer without /Root")
	}
	root, err := d.Dict(r)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return root, nil
}
