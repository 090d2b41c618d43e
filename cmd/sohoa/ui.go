package main

import (
	"os"
	"strings"
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
