package pdf

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sohoa/sohoa/pdf/pdfread"
)

// Attachment is a file embedded in a document as an associated file of
// the whole document (PDF/A-3: /AF on the catalog, listed in the
// EmbeddedFiles name tree). Adding one declares the document PDF/A-3b:
// PDF/A-1 and -2 allow no embedded file of another kind.
type Attachment struct {
	Name        string // file name, ASCII ("sohoa-audit.json")
	Description string
	MIME        string // "application/json"
	// Relationship is the /AFRelationship: Supplement, Data, Source...
	Relationship string
	Data         []byte
	Modified     time.Time
}

var (
	reAttachName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	reMIME       = regexp.MustCompile(`^[a-z]+/[a-z0-9.+-]+$`)
	reRelation   = regexp.MustCompile(`^(Source|Data|Alternative|Supplement|EncryptedPayload|FormData|Schema|Unspecified)$`)
	rePart       = regexp.MustCompile(`(<pdfaid:part>\s*)\d(\s*</pdfaid:part>)|(pdfaid:part\s*=\s*["'])\d(["'])`)
)

// maxXMP bounds the metadata read back from the document being updated.
const maxXMP = 4 << 20

func (a *Attachment) check() error {
	if !reAttachName.MatchString(a.Name) || !reMIME.MatchString(a.MIME) || !reRelation.MatchString(a.Relationship) {
		return fmt.Errorf("pdf: attachment %q (%s, %s): want an ASCII file name, a MIME type and an /AFRelationship", a.Name, a.MIME, a.Relationship)
	}
	return nil
}

// part3XMP returns the document's XMP with pdfaid:part set to 3; the
// rest (dates, extension schemas) stays as it is, so the Info dictionary
// and the metadata still agree.
func part3XMP(xmp []byte) ([]byte, error) {
	if !rePart.Match(xmp) {
		return nil, errors.New("pdf: attachment: the document declares no PDF/A part in its XMP")
	}
	return rePart.ReplaceAll(xmp, []byte("${1}${3}3${2}${4}")), nil
}

// writeAttachment writes a's embedded file, its file specification and a
// PDF/A-3 version of the metadata, and sets /Metadata, /AF and /Names of
// the new catalog cat (a copy of t's).
func writeAttachment(o *objWriter, t *signTarget, cat types.Dict, a *Attachment) error {
	if err := a.check(); err != nil {
		return err
	}
	xmp, err := t.doc.Stream(t.root["Metadata"], maxXMP)
	if err != nil {
		return fmt.Errorf("pdf: attachment: read the metadata: %w", err)
	}
	if xmp, err = part3XMP(xmp); err != nil {
		return err
	}
	af, err := optionalArray(t.doc, t.root, "AF")
	if err != nil {
		return err
	}
	names := types.Dict{}
	if n, ok := t.root.Find("Names"); ok {
		d, err := t.doc.Dict(n)
		if err != nil {
			return fmt.Errorf("pdf: attachment: /Names: %w", err)
		}
		names = d.Clone().(types.Dict)
	}
	files := types.Dict{}
	if ef, ok := names.Find("EmbeddedFiles"); ok {
		d, err := t.doc.Dict(ef)
		if err != nil {
			return fmt.Errorf("pdf: attachment: /EmbeddedFiles: %w", err)
		}
		if _, nested := d.Find("Kids"); nested {
			return errors.New("pdf: attachment: a nested EmbeddedFiles name tree is not supported")
		}
		files = d.Clone().(types.Dict)
	}
	list, err := optionalArray(t.doc, files, "Names")
	if err != nil {
		return err
	}

	ef, spec, md := o.alloc(), o.alloc(), o.alloc()
	o.flateStream(ef, fmt.Sprintf(" /Type /EmbeddedFile /Subtype /%s /Params <</Size %d /ModDate %s>>",
		strings.ReplaceAll(a.MIME, "/", "#2F"), len(a.Data), pdfDate(a.Modified.In(vnZone).Truncate(time.Second))), a.Data)
	o.obj(spec, fmt.Sprintf("<</Type /Filespec /F %s /UF %s /Desc %s /AFRelationship /%s /EF <</F %s /UF %s>>>>",
		pdfText(a.Name), pdfText(a.Name), pdfText(a.Description), a.Relationship, ref(ef), ref(ef)))
	// PDF/A forbids a filter on the metadata stream (PDF/A-1 6.7.2 kept in -3).
	o.stream(md, " /Type /Metadata /Subtype /XML", xmp)

	specRef := *types.NewIndirectRef(spec, 0)
	type entry struct {
		key string
		k   types.Object
		v   types.Object
	}
	var entries []entry
	for i := 0; i+1 < len(list); i += 2 {
		k, _ := pdfread.TextOf(t.doc, list[i])
		entries = append(entries, entry{k, list[i], list[i+1]})
	}
	entries = append(entries, entry{a.Name, types.StringLiteral(a.Name), specRef})
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
	var sorted types.Array
	for _, e := range entries {
		sorted = append(sorted, e.k, e.v)
	}
	files["Names"] = sorted
	names["EmbeddedFiles"] = files
	cat["Names"] = names
	cat["AF"] = append(append(types.Array(nil), af...), specRef)
	cat["Metadata"] = *types.NewIndirectRef(md, 0)
	return nil
}

func optionalArray(d *pdfread.Doc, dict types.Dict, key string) (types.Array, error) {
	o, ok := dict.Find(key)
	if !ok {
		return nil, nil
	}
	a, err := d.Array(o)
	if err != nil {
		return nil, fmt.Errorf("pdf: attachment: /%s: %w", key, err)
	}
	return a, nil
}
