package admin

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"campus/internal/catalogue"
	"campus/internal/input"
)

// The fields of the back-office are read by internal/input, the rules of every form and import; the short
// names below keep the checks of entities.go readable.

const (
	// MaxSlug is the longest slug accepted.
	MaxSlug = input.MaxSlug
	// DateTimeLayout is the format of a date and time in forms (an HTML datetime-local value) and CSV files.
	DateTimeLayout = input.DateTimeLayout
)

func line(s, label string, max int, required bool) (string, string) {
	return input.Line(s, label, max, required)
}

func text(s, label string, max int, required bool) (string, string) {
	return input.Multiline(s, label, max, required)
}

// proseLine and prose read French prose (titles, summaries, descriptions, labels…) as line and text do, and
// give it in French typography (catalogue.Typeset), as the seed's texts are: what is stored and compared
// (snapshots, audit log) is typeset, while a refused form shows again what was typed. Slugs, addresses, codes
// and keywords (search terms) are not prose and are read as typed.
func proseLine(s, label string, max int, required bool) (string, string) {
	v, msg := line(s, label, max, required)
	return catalogue.Typeset(v), msg
}

func prose(s, label string, max int, required bool) (string, string) {
	v, msg := text(s, label, max, required)
	return catalogue.Typeset(v), msg
}

func slug(s, from string) (string, string) { return input.Slug(s, from) }

func number(s, label string, lo, hi int, required bool) (int, string) {
	return input.Int(s, label, lo, hi, required)
}

func dateTime(s, label string) (time.Time, string) { return input.DateTime(s, label) }

func itoa(n int) string { return strconv.Itoa(n) }

// list cleans a list of single-line items (empty items dropped): at most maxItems of at most maxLen each.
func list(items []string, label string, maxItems, maxLen int, required bool) ([]string, string) {
	return listOf(line, items, label, maxItems, maxLen, required)
}

// proseList is list for items of prose (objectives, outline), typeset as proseLine.
func proseList(items []string, label string, maxItems, maxLen int, required bool) ([]string, string) {
	return listOf(proseLine, items, label, maxItems, maxLen, required)
}

func listOf(read func(s, label string, max int, required bool) (string, string), items []string, label string, maxItems, maxLen int,
	required bool) ([]string, string) {
	out := []string{}
	for _, it := range items {
		v, msg := read(it, label, maxLen, false)
		if msg != "" {
			return out, "« " + label + " » : " + strings.TrimPrefix(msg, "Le champ « "+label+" » ")
		}
		if v != "" {
			out = append(out, v)
		}
	}
	switch {
	case required && len(out) == 0:
		return out, "Renseignez au moins un élément dans « " + label + " »."
	case len(out) > maxItems:
		return out, "« " + label + " » : " + itoa(maxItems) + " éléments au plus (actuellement " + itoa(len(out)) + ")."
	}
	return out, ""
}

// Lines splits a text area into its lines (one item per line).
func Lines(s string) []string {
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// Split splits a list typed with a separator ("," in forms, "|" in CSV files).
func Split(s, sep string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return strings.Split(s, sep)
}

// webURL checks an optional https address.
func webURL(s, label string) (string, string) {
	s, msg := line(s, label, 500, false)
	if msg != "" || s == "" {
		return s, msg
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || strings.ContainsAny(s, " <>\"") {
		return s, "Le champ « " + label + " » doit être une adresse web commençant par https://, par exemple https://www.exemple.gouv.fr."
	}
	return s, ""
}

// FormatDateTime is a time as a datetime-local value in Paris time.
func FormatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(catalogue.Paris).Format(DateTimeLayout)
}

// oneOf checks that v is one of the allowed codes.
func oneOf(v, label string, allowed []string, labelOf func(string) string) (string, string) {
	v = strings.TrimSpace(v)
	for _, a := range allowed {
		if v == a {
			return v, ""
		}
	}
	if v == "" {
		return v, "Choisissez une valeur pour « " + label + " »."
	}
	var names []string
	for _, a := range allowed {
		if labelOf != nil {
			names = append(names, a+" ("+labelOf(a)+")")
		} else {
			names = append(names, a)
		}
	}
	return v, "Valeur inconnue pour « " + label + " » : « " + v + " ». Valeurs possibles : " + strings.Join(names, ", ") + "."
}
