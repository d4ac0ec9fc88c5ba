package web

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"campus/internal/catalogue"
	"campus/internal/input"
	"campus/templates"
)

// More field readers of Form, for the multi-line texts, choices, numbers and dates of the programme forms
// (licences, call for trainers, tailored programmes). Same contract as Text: never fail, keep what was typed,
// one French message per field.

// Multiline reads a text of several lines (a textarea), by input.Multiline's rule: line breaks normalized to \n,
// trimmed, a tab allowed, no other control character, at most max characters.
func (f *Form) Multiline(name, label string, limit int, required bool) string {
	v, msg := input.Multiline(f.raw(name), label, limit, required)
	f.keep(name, v)
	f.Fail(name, msg)
	if !utf8.ValidString(f.raw(name)) {
		return ""
	}
	return v
}

// Prose and ProseMultiline read French prose an admin writes for others to read (a licence pool's name, a
// tailored programme's proposal) as Text and Multiline do, and return it in French typography
// (catalogue.Typeset), as the back-office's entities are stored (internal/admin): the form shown again keeps
// what was typed.
func (f *Form) Prose(name, label string, max int, required bool) string {
	return catalogue.Typeset(f.Text(name, label, max, required))
}

// ProseMultiline is Prose for a text of several lines.
func (f *Form) ProseMultiline(name, label string, limit int, required bool) string {
	return catalogue.Typeset(f.Multiline(name, label, limit, required))
}

// Choice reads one value among options (a select or a radio group); anything else is an error.
func (f *Form) Choice(name, label string, options []templates.Option, required bool) string {
	v := strings.ToValidUTF8(f.raw(name), "")
	ok := slices.ContainsFunc(options, func(o templates.Option) bool { return o.Value == v })
	switch {
	case v == "" && required:
		f.keep(name, "")
		f.Fail(name, "Choisissez une option pour « "+label+" ».")
		return ""
	case v != "" && !ok:
		f.keep(name, "")
		f.Fail(name, "Choisissez l’une des options proposées pour « "+label+" ».")
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
		f.Fail(name, "Choisissez parmi les options proposées pour « "+label+" ».")
		return out
	}
	if len(out) < least {
		if least == 1 {
			f.Fail(name, "Cochez au moins une option pour « "+label+" ».")
		} else {
			f.Fail(name, "Cochez au moins "+strconv.Itoa(least)+" options pour « "+label+" ».")
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

// Int reads a whole number between min and max (input.Int: spaces, including French thousands separators,
// allowed); 0 when it is not one.
func (f *Form) Int(name, label string, lo, hi int, required bool) int {
	raw := strings.ToValidUTF8(f.raw(name), "\uFFFD")
	f.keep(name, strings.TrimSpace(raw))
	n, msg := input.Int(raw, label, lo, hi, required)
	f.Fail(name, msg)
	if msg != "" {
		return 0
	}
	return n
}

// Date reads a date (an <input type="date">: AAAA-MM-JJ; JJ/MM/AAAA is accepted too) as midnight in Paris
// (input.Date).
func (f *Form) Date(name, label string, required bool) time.Time {
	v := strings.TrimSpace(strings.ToValidUTF8(f.raw(name), ""))
	t, msg := input.Date(v, label, required)
	f.Fail(name, msg)
	if !t.IsZero() {
		v = t.Format(time.DateOnly)
	}
	f.keep(name, v)
	return t
}
