package dossier

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Format names the rule a dossier code follows.
type Format string

const (
	// FormatTT01 is TT 01/2018/TT-VPCP art. 19: V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX,
	// e.g. 000.00.31.H33-220804-0001.
	FormatTT01 Format = "TT01/2018"
	// FormatTT04 is TT 04/2025/TT-VPCP, in force from 25/01/2026:
	// MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX (agency code left to right, AA the
	// system owner, a sequence of at least 4 digits).
	FormatTT04 Format = "TT04/2025"
)

// tt04Start is the day TT 04/2025 codes may first carry.
var tt04Start = time.Date(2026, 1, 25, 0, 0, 0, 0, time.UTC)

var (
	reTT01Agency = regexp.MustCompile(`^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$`)
	reTT04Agency = regexp.MustCompile(`^[A-Z]\d{2}\.\d{3}\.\d{2}$`)
	reDigits     = regexp.MustCompile(`^\d+$`)
	// The TT 04/2025 sequence has "at least 4 digits"; 8 (a hundred
	// million dossiers a day at one agency) is far past any desk, and an
	// unbounded one let a 245-character code in that no store could name.
	reTT04Seq = regexp.MustCompile(`^[A-Z0-9]{2}\d{4,8}$`)
)

// MaxCodeLength is the longest valid code: a TT 04/2025 agency (10), the
// date (6), AA and 8 digits (10) and two dashes.
const MaxCodeLength = 28

// Code is a parsed, valid dossier code.
type Code struct {
	Code     string
	Format   Format
	Agency   string    // the agency segment as written in the code
	Received time.Time // reception date (YYMMDD)
	Sequence string    // XXXX or AAXXXX
}

// ParseCode checks code against both official formats. The error is a
// *CodeError naming the segment that is wrong, in Vietnamese and English.
func ParseCode(code string) (Code, error) {
	if code == "" {
		return Code{}, &CodeError{Code: code, VI: "thiếu mã hồ sơ", EN: "dossier code is missing"}
	}
	if len(code) > MaxCodeLength {
		// Checked first, and the code not quoted whole: its length is
		// the client's choice.
		short := code[:MaxCodeLength]
		return Code{}, &CodeError{Code: code,
			VI: fmt.Sprintf("mã hồ sơ %q…: dài %d ký tự, mã hợp lệ dài tối đa %d (ví dụ 000.00.31.H33-220804-0001)", short, len(code), MaxCodeLength),
			EN: fmt.Sprintf("dossier code %q…: %d characters long, a valid code has at most %d (e.g. 000.00.31.H33-220804-0001)", short, len(code), MaxCodeLength)}
	}
	if strings.TrimSpace(code) != code {
		return Code{}, badCode(code, "có khoảng trắng ở đầu hoặc cuối", "has leading or trailing spaces")
	}
	parts := strings.Split(code, "-")
	if len(parts) != 3 {
		return Code{}, badCode(code,
			"phải gồm 3 phần nối bằng dấu '-': mã cơ quan-YYMMDD-số thứ tự (ví dụ 000.00.31.H33-220804-0001)",
			"must have 3 parts joined by '-': agency-YYMMDD-sequence (e.g. 000.00.31.H33-220804-0001)")
	}
	agency, date, seq := parts[0], parts[1], parts[2]
	var d Code
	d.Code, d.Agency, d.Sequence = code, agency, seq
	switch {
	case reTT01Agency.MatchString(agency):
		d.Format = FormatTT01
	case reTT04Agency.MatchString(agency):
		d.Format = FormatTT04
	default:
		return Code{}, badCode(code,
			fmt.Sprintf("mã cơ quan %q không đúng dạng V1V2V3.Z1Z2.Y1Y2.MX1X2 (TT 01/2018, ví dụ 000.00.31.H33) hay MX1X2.Y1Y2Y3.Z1Z2 (TT 04/2025, ví dụ H33.031.00)", agency),
			fmt.Sprintf("agency code %q matches neither V1V2V3.Z1Z2.Y1Y2.MX1X2 (TT 01/2018, e.g. 000.00.31.H33) nor MX1X2.Y1Y2Y3.Z1Z2 (TT 04/2025, e.g. H33.031.00)", agency))
	}
	if len(date) != 6 || !reDigits.MatchString(date) {
		return Code{}, badCode(code,
			fmt.Sprintf("ngày tiếp nhận %q phải có 6 chữ số YYMMDD", date),
			fmt.Sprintf("reception date %q must be 6 digits YYMMDD", date))
	}
	yy, _ := strconv.Atoi(date[0:2])
	mm, _ := strconv.Atoi(date[2:4])
	dd, _ := strconv.Atoi(date[4:6])
	t := time.Date(2000+yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if mm < 1 || mm > 12 || t.Day() != dd || int(t.Month()) != mm {
		return Code{}, badCode(code,
			fmt.Sprintf("ngày tiếp nhận %q không phải ngày có thật (YYMMDD)", date),
			fmt.Sprintf("reception date %q is not a real date (YYMMDD)", date))
	}
	d.Received = t
	switch d.Format {
	case FormatTT01:
		if len(seq) != 4 || !reDigits.MatchString(seq) {
			return Code{}, badCode(code,
				fmt.Sprintf("số thứ tự %q phải có đúng 4 chữ số (TT 01/2018)", seq),
				fmt.Sprintf("sequence %q must be exactly 4 digits (TT 01/2018)", seq))
		}
	case FormatTT04:
		if !reTT04Seq.MatchString(seq) {
			return Code{}, badCode(code,
				fmt.Sprintf("phần %q phải gồm 2 ký tự mã hệ thống (AA) rồi 4 đến 8 chữ số (TT 04/2025)", seq),
				fmt.Sprintf("part %q must be a 2-character system owner code (AA) followed by 4 to 8 digits (TT 04/2025)", seq))
		}
		if t.Before(tt04Start) {
			return Code{}, badCode(code,
				fmt.Sprintf("mã theo TT 04/2025 chỉ dùng từ 25/01/2026, ngày tiếp nhận %q sớm hơn", date),
				fmt.Sprintf("TT 04/2025 codes apply from 25/01/2026, reception date %q is earlier", date))
		}
	}
	return d, nil
}

// CodeError is why ParseCode refused a code: VI and EN are whole sentences
// that name the code and the segment that is wrong, ready to show the user.
type CodeError struct {
	Code   string // the code as given
	VI, EN string
}

func (e *CodeError) Error() string { return e.EN }

func badCode(code, vi, en string) *CodeError {
	return &CodeError{Code: code,
		VI: fmt.Sprintf("mã hồ sơ %q: %s", code, vi),
		EN: fmt.Sprintf("dossier code %q: %s", code, en)}
}
