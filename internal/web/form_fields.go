package web

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"campus/internal/catalogue"
	"campus/templates"
)

// More field readers of Form, for the multi-line texts, choices, numbers and dates of the programme forms
// (licences, call for trainers, tailored programmes). Same contract as Text: never fail, keep what was typed,
// one French message per field.

// Multiline reads a text of several lines (a textarea): line breaks normalized to \n, trimmed, no other
// control character, at most max characters.
func (f *Form) Multiline(name, label string, limit int, required bool) string {
	raw := f.raw(name)
	if !utf8.ValidString(raw) {
		f.keep(name, raw)
		f.Fail(name, "Le champ « "+label+" » contient des caractères non valides.")
		return ""
	}
	v := strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\r", "\n"))
	f.keep(name, v)
	for _, r := range v {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			f.Fail(name, "Le champ « "+label+" » contient des caractères non autorisés.")
			return v
		}
	}
	if n := utf8.RuneCountInString(v); n > limit {
		f.Fail(name, "Le champ « "+label+" » ne doit pas dépasser "+strconv.Itoa(limit)+" caractères (actuellement "+strconv.Itoa(n)+").")
		return v
	}
	if required && v == "" {
		f.Fail(name, "Renseignez le champ « "+label+" ».")
	}
	return v
}

// Choice reads one value among options (a select or a radio group); anything else is an error.
func (f *Form) Choice(name, label string, options []templates.Option, required bool) string {
	v := strings.ToValidUTF8(f.raw(name), "")
	ok := slices.ContainsFunc(options, func(o templates.Option) bool { return o.Value == v })
	switch {
	case v == "" && required:
		f.keep(name, "")
		f.Fail(name, "Choisissez une option pour « "+label+" ».")
		return ""
	case v != "" && !ok:
		f.keep(name, "")
		f.Fail(name, "Choisissez l’une des options proposées pour « "+label+" ».")
		return ""
	}
	f.keep(name, v)
	return v
}

// Choices reads the checked values of a checkbox group among options, in the options' order, at least min of
// them. Unknown values are an error (a tampered form), never ignored silently.
func (f *Form) Choices(name, label string, options []templates.Option, least int) []string {
	sent := f.values[name]
	var out []string
	for _, o := range options {
		if slices.Contains(sent, o.Value) {
			out = append(out, o.Value)
		}
	}
	f.keep(name, strings.Join(out, "\n"))
	if len(out) < len(dedupe(sent)) {
		f.Fail(name, "Choisissez parmi les options proposées pour « "+label+" ».")
		return out
	}
	if len(out) < least {
		if least == 1 {
			f.Fail(name, "Cochez au moins une option pour « "+label+" ».")
		} else {
			f.Fail(name, "Cochez au moins "+strconv.Itoa(least)+" options pour « "+label+" ».")
		}
	}
	return out
}

func dedupe(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Int reads a whole number between min and max (spaces, including French thousands separators, allowed).
func (f *Form) Int(name, label string, lo, hi int, required bool) int {
	raw, msg := f.raw(name), ""
	if !utf8.ValidString(raw) {
		raw = strings.ToValidUTF8(raw, "\uFFFD")
	}
	v := strings.TrimSpace(raw)
	f.keep(name, v)
	digits := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			return -1
		}
		return r
	}, v)
	if digits == "" {
		if required {
			f.Fail(name, "Renseignez le champ « "+label+" ».")
		}
		return 0
	}
	n, err := strconv.Atoi(digits)
	switch {
	case err != nil:
		msg = "Le champ « " + label + " » doit être un nombre entier, par exemple " + strconv.Itoa(max(lo, 1)) + "."
	case n < lo:
		msg = "Le champ « " + label + " » doit être au moins " + strconv.Itoa(lo) + "."
	case n > hi:
		msg = "Le champ « " + label + " » ne doit pas dépasser " + strconv.Itoa(hi) + "."
	}
	f.Fail(name, msg)
	if msg != "" {
		return 0
	}
	return n
}

// Date reads a date (an <input type="date">: AAAA-MM-JJ; JJ/MM/AAAA is accepted too) as midnight in Paris.
func (f *Form) Date(name, label string, required bool) time.Time {
	v := strings.TrimSpace(strings.ToValidUTF8(f.raw(name), ""))
	if v == "" {
		f.keep(name, "")
		if required {
			f.Fail(name, "Renseignez le champ « "+label+" ».")
		}
		return time.Time{}
	}
	for _, layout := range []string{time.DateOnly, "02/01/2006"} {
		if t, err := time.ParseInLocation(layout, v, catalogue.Paris); err == nil && t.Year() >= 2000 && t.Year() <= 2100 {
			f.keep(name, t.Format(time.DateOnly))
			return t
		}
	}
	f.keep(name, v)
	f.Fail(name, "Le champ « "+label+" » doit être une date valide, au format JJ/MM/AAAA.")
	return time.Time{}
}
