package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// ui picks the language of messages shown to people: Vietnamese by default,
// English when SOHOA_LANG (or LANGUAGE/LANG) starts with "en".
type ui struct{ english bool }

func uiFromEnv() ui {
	for _, k := range []string{"SOHOA_LANG", "LANGUAGE"} {
		if v := os.Getenv(k); v != "" {
			return ui{english: strings.HasPrefix(strings.ToLower(v), "en")}
		}
	}
	return ui{}
}

// t returns the Vietnamese or the English text.
func (u ui) t(vi, en string) string {
	if u.english {
		return en
	}
	return vi
}

// pages says "n trang" or "1 page" / "n pages".
func (u ui) pages(n int) string {
	switch {
	case !u.english:
		return fmt.Sprintf("%d trang", n)
	case n == 1:
		return "1 page"
	}
	return fmt.Sprintf("%d pages", n)
}

// duration writes a wait or a remaining time as people read it: "45 giây",
// "3 phút 20 giây", "1 giờ 5 phút".
func (u ui) duration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	var parts []string
	add := func(n int, vi, en string) {
		if n == 0 {
			return
		}
		if u.english && n != 1 {
			en += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, u.t(vi, en)))
	}
	add(h, "giờ", "hour")
	add(m, "phút", "minute")
	if h == 0 {
		add(s, "giây", "second")
	}
	if len(parts) == 0 {
		return u.t("0 giây", "0 seconds")
	}
	return strings.Join(parts, " ")
}

// isTerminal reports whether w is a character device (a terminal): progress
// lines that redraw themselves are for people, not for pipes and files.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
