package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/sohoa/sohoa/ingest"
	"github.com/sohoa/sohoa/ocr"
)

// intakeLimits are the limits of an upload (ingest.Limits) as serve, demo
// and worker read them: the same flags, each with its SOHOA_ variable. A
// stack accepted by serve is split by whichever process runs its job, and
// each dossier found goes through that process's intake: both must hold
// the same limits, or a dossier the API took in is refused by a worker.
// Zero is ingest's default (a struct left empty by a test), a negative
// station limit none.
type intakeLimits struct {
	maxFileMB               int64
	maxBatchMB              int64
	maxBatchPages           int
	maxBatchMpx             int64
	maxPageMpx              int64
	maxTIFFStrips           int
	stationPagesPerHour     int
	stationBatchesPerMinute int

	// envErr is the first SOHOA_ variable that is not a whole number.
	envErr error
}

// addFlags registers the limit flags, their defaults read from the
// environment (SOHOA_MAX_FILE_MB, ...) when set.
func (l *intakeLimits) addFlags(fs *flag.FlagSet, u ui) {
	i64 := func(p *int64, name string, def int64, vi, en string) {
		env := envName(name)
		fs.Int64Var(p, name, l.envInt(env, def), u.t(vi+" (biến "+env+")", en+" (env "+env+")"))
	}
	i := func(p *int, name string, def int, vi, en string) {
		env := envName(name)
		fs.IntVar(p, name, int(l.envInt(env, int64(def))), u.t(vi+" (biến "+env+")", en+" (env "+env+")"))
	}
	i64(&l.maxFileMB, "max-file-mb", ingest.DefaultMaxFileBytes>>20, "dung lượng tối đa một tệp trang (MB)", "largest page file (MB)")
	i64(&l.maxBatchMB, "max-batch-mb", ingest.DefaultMaxBatchBytes>>20, "dung lượng tối đa một lô (MB)", "largest batch upload (MB)")
	i(&l.maxBatchPages, "max-batch-pages", ingest.DefaultMaxBatchPages, "số trang tối đa một lô (tính cả các trang trong tệp nhiều trang)", "most pages in one batch (pages of multi-page files counted)")
	i64(&l.maxBatchMpx, "max-batch-mpx", ingest.DefaultMaxBatchPixels/1e6, "tổng số điểm ảnh tối đa một lô (triệu)", "most pixels in one batch, all pages summed (millions)")
	i64(&l.maxPageMpx, "max-page-mpx", ingest.DefaultMaxPagePixels/1e6, "số điểm ảnh tối đa một trang (triệu; bộ nhận dạng cần khoảng 5 byte mỗi điểm)", "most pixels in one page (millions; an OCR engine needs about 5 bytes a pixel)")
	i(&l.maxTIFFStrips, "max-tiff-strips", ocr.DefaultMaxTIFFStrips, "số dải/ô tối đa đọc từ một tệp TIFF khi kiểm tra", "most strip and tile entries read from one TIFF file when checking it")
	i(&l.stationPagesPerHour, "station-pages-per-hour", ingest.DefaultStationPagesPerHour, "số trang tối đa một trạm gửi trong một giờ (âm = không giới hạn)", "most pages a station may send within an hour (negative = unlimited)")
	i(&l.stationBatchesPerMinute, "station-batches-per-minute", ingest.DefaultStationBatchesPerMinute, "số lô tối đa một trạm gửi trong một phút (âm = không giới hạn)", "most batches a station may send within a minute (negative = unlimited)")
}

// envName is the variable of a limit flag: max-file-mb is SOHOA_MAX_FILE_MB.
func envName(flagName string) string {
	return "SOHOA_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// envInt is variable env as a whole number, def when it is not set; a
// value that is not a number is kept in envErr (limits refuses it) rather
// than quietly replaced by the default.
func (l *intakeLimits) envInt(env string, def int64) int64 {
	v := os.Getenv(env)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		if l.envErr == nil {
			l.envErr = fmt.Errorf("%s=%q: %w", env, v, err)
		}
		return def
	}
	return n
}

// limits is the intake's configuration, or an error naming a variable
// that is not a number.
func (l *intakeLimits) limits() (ingest.Limits, error) {
	if l.envErr != nil {
		return ingest.Limits{}, &userError{vi: "biến môi trường không phải số nguyên: " + l.envErr.Error(),
			en: "environment variable is not a whole number: " + l.envErr.Error(), err: l.envErr}
	}
	return ingest.Limits{
		MaxFileBytes:            l.maxFileMB << 20,
		MaxBatchBytes:           l.maxBatchMB << 20,
		MaxBatchPages:           l.maxBatchPages,
		MaxBatchPixels:          l.maxBatchMpx * 1e6,
		Image:                   ocr.Limits{MaxPixels: l.maxPageMpx * 1e6, MaxTIFFStrips: l.maxTIFFStrips},
		StationPagesPerHour:     l.stationPagesPerHour,
		StationBatchesPerMinute: l.stationBatchesPerMinute,
	}, nil
}
