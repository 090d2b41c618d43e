package main

// Pages that read badly whatever the reader does, for the needs_review
// flag to catch: the "hard" preset cycles through them. Each is a general
// degradation of what desks are sent, pushed past what OCR recovers:
// thumbnails forwarded as the document, out-of-focus scans, faxes of faint
// originals, phone photos in a dim room, print buried under handwriting,
// and papers in a language the Vietnamese model does not know.

import (
	"image"
	"image/color"
	"math/rand/v2"
	"strings"
)

// hardKinds in the order the hard preset cycles through them; the page's
// category is "hard-" and the kind.
var hardKinds = []string{"tiny", "blur", "fax", "dark", "scrawl", "foreign"}

// hardSpec is page i of the hard preset.
func hardSpec(r *rand.Rand, i int) pageSpec {
	k := hardKinds[i%len(hardKinds)]
	sp := pageSpec{Kind: kinds[r.IntN(6)], DPI: 300, Mode: pick(r, "color", "gray"), Category: "hard-" + k, NewCode: r.IntN(2) == 0}
	switch k {
	case "tiny":
		// A thumbnail or a chat preview forwarded as the document: 38-55 dpi.
		sp.LowDPI = 38 + r.IntN(18)
		sp.ClaimDPI = pick(r, 0, 72, 96)
		sp.JPEG = 50 + r.IntN(26)
	case "blur":
		// Badly out of focus: a Gaussian of 2-3.5 px at 300 dpi.
		sp.Blur, sp.BlurSigma, sp.JPEG = true, 2+1.5*r.Float64(), 70+r.IntN(16)
	case "fax":
		// A standard-resolution fax (100 dpi, bitonal) of a noisy original.
		sp.Fax, sp.DPI, sp.Mode = true, 100, "bitonal"
		sp.Noise, sp.NoiseSigma = true, 25+25*r.Float64()
	case "dark":
		// A phone photo taken in a dim room: little light, much sensor noise.
		sp.Photo, sp.Mode, sp.JPEG = true, "color", 50+r.IntN(21)
		sp.Dark = 0.2 + 0.15*r.Float64()
	case "scrawl":
		// Handwritten notes in dark ink across most of the print.
		sp.Scrawl = true
		if sp.Mode == "color" {
			sp.JPEG = 85
		}
	case "foreign":
		// A paper in Russian, read with the Vietnamese model.
		sp.Foreign = true
		if sp.Mode == "color" {
			sp.JPEG = 85
		}
	}
	return sp
}

// darken simulates a photo in dim light: the exposure falls to k and the
// phone's gain brings up sensor noise of sigma grey levels with it.
func darken(img *image.RGBA, rnd *rand.Rand, k, sigma float64) {
	for i := 0; i+3 < len(img.Pix); i += 4 {
		n := rnd.NormFloat64() * sigma
		for c := range 3 {
			img.Pix[i+c] = clamp8(float64(img.Pix[i+c])*k + n + rnd.NormFloat64()*sigma*0.3)
		}
	}
}

// scrawlOver writes handwriting in dark ink over about two lines in three
// of the print: notes between and across the lines, as on a draft passed
// from desk to desk. It returns how many notes were written.
func scrawlOver(img *image.RGBA, rnd *rand.Rand, l *layout, dpi float64) int {
	ink := color.RGBA{uint8(30 + rnd.IntN(30)), uint8(30 + rnd.IntN(30)), uint8(40 + rnd.IntN(30)), 255}
	n := 0
	for _, ln := range l.lines {
		if rnd.IntN(3) == 0 {
			continue
		}
		b := ln.Bounds
		w := b.Dx() * (40 + rnd.IntN(50)) / 100
		x := b.Min.X + rnd.IntN(max(1, b.Dx()-w+1))
		y := b.Min.Y + b.Dy()/3 + rnd.IntN(max(1, b.Dy()))
		scribble(img, image.Rect(x, y, x+w, y+b.Dy()+b.Dy()/3), ink, dpi/25.4*(0.35+0.2*rnd.Float64()), rnd)
		n++
	}
	return n
}

// russianWords make the text of a foreign paper: administrative Russian,
// enough to fill a page with plausible sentences.
var russianWords = strings.Fields(`заявление гражданин прошу выдать копию свидетельства о рождении
	документ паспорт серия номер выдан отделом внутренних дел города области района дата место
	жительства регистрации адрес улица дом квартира подпись печать нотариус удостоверяю верность
	перевода настоящий справка подтверждает что действительно работает в должности инженера
	согласно приказу от года сведения о семейном положении брак зарегистрирован органом записи
	актов гражданского состояния приложение к решению комиссии по вопросам`)

// foreignBlocks is a one-page letter in Russian.
func foreignBlocks(r *rand.Rand) []block {
	sentence := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = russianWords[r.IntN(len(russianWords))]
		}
		rs := []rune(strings.Join(ws, " "))
		return strings.ToUpper(string(rs[:1])) + string(rs[1:]) + "."
	}
	para := func() string {
		ss := make([]string, 2+r.IntN(3))
		for i := range ss {
			ss[i] = sentence(6 + r.IntN(8))
		}
		return strings.Join(ss, " ")
	}
	blocks := []block{
		{Style: stCenterBold, Label: "РОССИЙСКАЯ ФЕДЕРАЦИЯ"},
		{Style: stCenter, Label: "Отдел записи актов гражданского состояния"},
		{Style: stGap},
		{Style: stTitle, Label: "СПРАВКА"},
	}
	for range 5 + r.IntN(3) {
		blocks = append(blocks, block{Style: stPara, Label: para()})
	}
	return append(blocks, block{Style: stSigner, Label: "Начальник отдела"}, block{Style: stSignature}, block{Style: stSigner, Label: "И. П. Соколова"})
}
