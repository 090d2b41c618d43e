package pdf

import (
	"crypto/x509/pkix"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// judge fills the three verdicts from what Verify found.
func (r *Report) judge(opts VerifyOptions, revErr error) {
	sv := Verdict{OK: true, Judged: true, Required: true}
	no := func(v *Verdict, en, vi string) {
		if v.OK || v.Reason == "" {
			v.OK, v.Reason, v.ReasonVI = false, en, vi
		}
	}
	if len(r.Signatures) == 0 {
		if opts.AllowUnsigned {
			sv.Reason, sv.ReasonVI = "no digital signature (allowed)", "không có chữ ký số (được phép)"
		} else {
			no(&sv, "no digital signature", "không có chữ ký số")
		}
	}
	if revErr != nil && len(r.Signatures) > 0 {
		no(&sv, "cannot follow the file's revisions: "+revErr.Error(), "không lần được các phiên bản của tệp: "+revErr.Error())
	}
	for i, s := range r.Signatures {
		en := fmt.Sprintf("signature #%d (%s)", i+1, s.Field)
		vi := fmt.Sprintf("chữ ký #%d (%s)", i+1, s.Field)
		switch {
		case !s.Intact:
			no(&sv, en+" is not intact: "+s.IntactError, vi+" không toàn vẹn: "+s.IntactErrorVI)
		case s.Timestamp != nil && !s.Timestamp.Valid:
			no(&sv, en+": its timestamp is not valid: "+s.Timestamp.Error, vi+": dấu thời gian không hợp lệ: "+s.Timestamp.Error)
		case s.Changes == nil && revErr == nil:
			no(&sv, en+": what came after it was not checked (more than 100 signatures)", vi+": chưa kiểm tra được những gì thêm vào sau chữ ký (quá 100 chữ ký)")
		case s.ModifiedAfter:
			var c Change
			n := 0
			for _, x := range s.Changes {
				if !x.Allowed {
					if n == 0 {
						c = x
					}
					n++
				}
			}
			more, moreVI := "", ""
			if n > 1 {
				more, moreVI = fmt.Sprintf(" (and %d more)", n-1), fmt.Sprintf(" (và %d thay đổi khác)", n-1)
			}
			no(&sv, en+": the document was changed after signing: "+c.What+more, vi+": tài liệu bị thay đổi sau khi ký: "+c.WhatVI+moreVI)
		}
	}
	r.Verdicts.Signatures = sv

	pv := Verdict{OK: true, Judged: true, Required: opts.RequirePDFA}
	switch {
	case r.PDFAPart == 0:
		no(&pv, "not PDF/A: the XMP claims no PDF/A part", "không phải PDF/A: XMP không khai báo phần PDF/A nào")
	case len(r.PDFAProblems) > 0:
		no(&pv, fmt.Sprintf("claims PDF/A-%d%s but has %d problem(s): %s", r.PDFAPart, r.PDFAConformance, len(r.PDFAProblems), r.PDFAProblems[0]),
			fmt.Sprintf("khai báo PDF/A-%d%s nhưng có %d lỗi: %s", r.PDFAPart, r.PDFAConformance, len(r.PDFAProblems), r.PDFAProblems[0]))
	}
	r.Verdicts.PDFA = pv

	tv := Verdict{OK: true, Judged: true, Required: true}
	switch {
	case len(r.Signatures) == 0:
		tv = Verdict{Required: true, Reason: "no signature to judge", ReasonVI: "không có chữ ký để đánh giá"}
	case len(opts.TrustPEM) == 0:
		tv = Verdict{Required: true, Reason: "no trust anchor given (--trust CA.pem)", ReasonVI: "chưa có chứng thư gốc tin cậy (--trust CA.pem)"}
	default:
		for i, s := range r.Signatures {
			switch {
			case s.Trusted == nil:
				no(&tv, fmt.Sprintf("signature #%d (%s): no certificate to judge", i+1, s.Field), fmt.Sprintf("chữ ký #%d (%s): không có chứng thư để đánh giá", i+1, s.Field))
			case !*s.Trusted:
				no(&tv, fmt.Sprintf("signature #%d (%s): the signer's certificate is not trusted: %s", i+1, s.Field, s.TrustError),
					fmt.Sprintf("chữ ký #%d (%s): chứng thư người ký không được tin cậy: %s", i+1, s.Field, s.TrustError))
			}
		}
	}
	r.Verdicts.Trust = tv
}

// Short names of the subject attributes Vietnamese certificates carry;
// Go's Name.String spells the last three as raw OIDs with hex values.
var attrNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.5":                    "SERIALNUMBER",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "STREET",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "T",
	"2.5.4.42":                   "GN",
	"2.5.4.4":                    "SN",
	"1.2.840.113549.1.9.1":       "E",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
}

var attrOrder = map[string]int{"CN": 0, "T": 1, "UID": 2, "SERIALNUMBER": 3, "E": 4, "OU": 5, "O": 6, "STREET": 7, "L": 8, "ST": 9, "C": 10}

// readableName spells a certificate name for people: known attributes by
// their short names (CN, O, UID, E...), the most specific first, values
// as text in NFC (a Latin-1 T61String becomes UTF-8).
func readableName(n pkix.Name) string {
	type part struct {
		key, val string
		rank     int
	}
	var parts []part
	for i, a := range n.Names {
		key, ok := attrNames[a.Type.String()]
		if !ok {
			key = a.Type.String()
		}
		var val string
		switch v := a.Value.(type) {
		case string:
			val = v
		case []byte:
			val = string(v)
		default:
			val = fmt.Sprint(v)
		}
		if !utf8.ValidString(val) {
			r := make([]rune, 0, len(val))
			for _, b := range []byte(val) {
				r = append(r, rune(b))
			}
			val = string(r)
		}
		rank, ok := attrOrder[key]
		if !ok {
			rank = 20
		}
		parts = append(parts, part{key, norm.NFC.String(val), rank*1000 + i})
	}
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].rank < parts[j].rank })
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p.key + "=" + p.val
	}
	return strings.Join(out, ", ")
}
