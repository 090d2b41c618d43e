package ingest

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/sohoa/sohoa/ingest/dossier"
	"github.com/sohoa/sohoa/storage"
)

// The per-station limits (Limits.StationPagesPerHour,
// StationBatchesPerMinute) are counted from the batches in the records, so
// they hold across every serve process of a distributed installation (they
// share the database) and across restarts. Uploads of one station racing
// each other may pass together and overshoot by the batches in flight: a
// station sends one batch at a time, and the limits are against runaway
// volume, not a quota to the page.

// SendAsStation holds a station token to its own station: an upload it
// sends names that station, so an empty station becomes the token's name
// and another station's is refused with a 403 *Error (whatVI names the
// upload in Vietnamese: "lô", "xấp"). Other roles may name any station.
// Submit and the stack splitter call it before anything else.
func SendAsStation(tok *dossier.Token, station *string, whatVI string) error {
	if tok.Role != dossier.RoleStation {
		return nil
	}
	if *station == "" {
		*station = tok.Name
		return nil
	}
	if *station != tok.Name {
		return &Error{Status: http.StatusForbidden, Field: "station",
			VI: fmt.Sprintf("mã truy cập của trạm %q không được gửi %s thay trạm %q", tok.Name, whatVI, *station),
			EN: fmt.Sprintf("the token of station %q may not upload for station %q", tok.Name, *station)}
	}
	return nil
}

// CheckStation refuses, with a 429 *Error carrying RetryAfter, an upload by
// a station token that has used its batch or page budget; the API calls it
// once per upload request (a batch, or a stack of dossiers), before reading
// the body, so a refused station costs nothing. Submit checks the page
// budget again with the batch's pages, and lets a replay of a batch already
// taken through.
func (in *Intake) CheckStation(ctx context.Context, tok *dossier.Token) error {
	return in.checkStation(ctx, tok, in.Limits.WithDefaults(), 0, true)
}

// checkStation checks the page budget for a batch of pages, and with
// batches the batches per minute.
func (in *Intake) checkStation(ctx context.Context, tok *dossier.Token, lim Limits, pages int, batches bool) error {
	if tok == nil || tok.Role != dossier.RoleStation || (lim.StationPagesPerHour < 0 && lim.StationBatchesPerMinute < 0) {
		return nil
	}
	if lim.StationPagesPerHour > 0 && pages > lim.StationPagesPerHour {
		return &Error{Status: http.StatusRequestEntityTooLarge,
			VI: fmt.Sprintf("lô có %d trang, quá hạn mức %d trang mỗi giờ của một trạm; chia thành nhiều lô", pages, lim.StationPagesPerHour),
			EN: fmt.Sprintf("the batch has %d pages, more than a station's %d pages an hour; split it", pages, lim.StationPagesPerHour)}
	}
	now := time.Now()
	ups, err := in.Records.TokenUploads(ctx, tok.ID, now.Add(-time.Hour))
	if err != nil {
		return unavailable(ctx, "db", err)
	}
	if n := lim.StationBatchesPerMinute; batches && n > 0 {
		var recent []storage.Upload
		for _, u := range ups {
			if now.Sub(u.At) < time.Minute {
				recent = append(recent, u)
			}
		}
		if len(recent) >= n {
			// Free once enough of them are a minute old.
			wait := recent[len(recent)-n].At.Add(time.Minute).Sub(now)
			return tooMany(wait,
				fmt.Sprintf("trạm %q đã gửi %d lô trong một phút (tối đa %d)", tok.Name, len(recent), n),
				fmt.Sprintf("station %q sent %d batches within a minute (at most %d)", tok.Name, len(recent), n))
		}
	}
	if n := lim.StationPagesPerHour; n > 0 {
		used := 0
		for _, u := range ups {
			used += u.Pages
		}
		need := max(pages, 1)
		if used+need > n {
			// Free once enough of the oldest pages are an hour old.
			wait, left := time.Hour, used
			for _, u := range ups {
				left -= u.Pages
				if left+need <= n {
					wait = u.At.Add(time.Hour).Sub(now)
					break
				}
			}
			return tooMany(wait,
				fmt.Sprintf("trạm %q đã gửi %d trang trong một giờ (tối đa %d; lô này %d trang)", tok.Name, used, n, pages),
				fmt.Sprintf("station %q sent %d pages within an hour (at most %d; this batch has %d)", tok.Name, used, n, pages))
		}
	}
	return nil
}

func tooMany(wait time.Duration, vi, en string) *Error {
	wait = max(wait, time.Second)
	s := int(math.Ceil(wait.Seconds()))
	return &Error{Status: http.StatusTooManyRequests, RetryAfter: wait,
		VI: fmt.Sprintf("%s; gửi lại sau %d giây với cùng khóa idempotency", vi, s),
		EN: fmt.Sprintf("%s; send it again in %d seconds with the same idempotency key", en, s)}
}
