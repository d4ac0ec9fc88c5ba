// Package input reads what people type — in the portal's forms (web.Form), the back-office's checks
// (internal/admin) and the CSV imports — into a value, or a French message naming the field. Each kind of value
// has one rule, the same wherever it is typed. Every function returns the value cleaned (valid UTF-8, so that a
// form can show it again) and "" or the message; none fails otherwise.
//
// The rules:
//   - Line: one line of text. Trimmed; refused when it holds invalid UTF-8, a control character (tab, line
//     break, NUL…) or a Unicode line or paragraph separator, or has more than max characters.
//   - Multiline: a text area. Line ends become "\n", the spaces ending each line and the blank lines around the
//     text are dropped; a tab is allowed (a text pasted from a word processor or a spreadsheet holds some, and
//     whoever typed it cannot see them: refusing them would refuse an invisible character), any other control
//     character or a line or paragraph separator is refused. A tab cannot hurt: HTML shows it as a space, and
//     the CSV writer (internal/sheet) neutralises it where a spreadsheet would run what follows.
//   - Int: a whole number; spaces, no-break and narrow no-break spaces (thousands separators) are ignored.
//   - Date: a day (AAAA-MM-JJ as an <input type="date"> sends it, or JJ/MM/AAAA) between 2000 and 2100, at
//     midnight in Paris; DateTime: a date and time in Paris (DateTimeLayout, as datetime-local sends it).
//   - Slug: lower-case letters without accents, digits and single hyphens, at most MaxSlug characters.
//
// A length counts characters (runes), not bytes.
package input

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"campus/internal/catalogue"
)

// invalid is the value shown again for s when it is not valid UTF-8, and the message saying so.
func invalid(s, label string) (string, string) {
	return strings.ToValidUTF8(s, "\uFFFD"), "Le champ « " + label + " » contient des caractères non valides."
}

// separator reports whether r is a Unicode line or paragraph separator, which break a line as "\n" does.
func separator(r rune) bool { return r == '\u2028' || r == '\u2029' }

// Line cleans a single-line text (see the package's rules). required: empty is refused.
func Line(s, label string, max int, required bool) (string, string) {
	if !utf8.ValidString(s) {
		return invalid(s, label)
	}
	s = strings.TrimSpace(s)
	switch {
	case strings.ContainsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == '\t' || separator(r) }):
		return s, "Le champ « " + label + " » doit tenir sur une ligne (pas de retour à la ligne ni de tabulation)."
	case strings.ContainsFunc(s, unicode.IsControl):
		return s, "Le champ « " + label + " » contient des caractères non autorisés."
	}
	return s, Length(s, label, max, required)
}

// Multiline cleans the text of a text area (see the package's rules). required: empty is refused.
func Multiline(s, label string, max int, required bool) (string, string) {
	if !utf8.ValidString(s) {
		return invalid(s, label)
	}
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	s = strings.TrimSpace(strings.Join(lines, "\n"))
	if strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && unicode.IsControl(r) || separator(r) }) {
		return s, "Le champ « " + label + " » contient des caractères non autorisés."
	}
	return s, Length(s, label, max, required)
}

// Length is the message of a text that is empty though required, or longer than max characters; "" otherwise.
func Length(s, label string, max int, required bool) string {
	if required && s == "" {
		return Required(label)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "Le champ « " + label + " » ne doit pas dépasser " + catalogue.Count(max) + " caractères (actuellement " + catalogue.Count(n) + ")."
	}
	return ""
}

// Required is the message of a required field left empty.
func Required(label string) string { return "Renseignez le champ « " + label + " »." }

// Int reads a whole number between lo and hi. It returns the number read even when out of bounds (0 when none
// could be); empty is 0, refused when required.
func Int(s, label string, lo, hi int, required bool) (int, string) {
	digits := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u202f' {
			return -1
		}
		return r
	}, s)
	if digits == "" {
		if required {
			return 0, Required(label)
		}
		return 0, ""
	}
	n, err := strconv.Atoi(digits)
	switch {
	case err != nil:
		return 0, "Le champ « " + label + " » doit être un nombre entier entre " + strconv.Itoa(lo) + " et " + strconv.Itoa(hi) + "."
	case n < lo:
		return n, "Le champ « " + label + " » doit être au moins " + strconv.Itoa(lo) + " : un nombre entier entre " + strconv.Itoa(lo) + " et " + strconv.Itoa(hi) + "."
	case n > hi:
		return n, "Le champ « " + label + " » ne doit pas dépasser " + strconv.Itoa(hi) + " : un nombre entier entre " + strconv.Itoa(lo) + " et " + strconv.Itoa(hi) + "."
	}
	return n, ""
}

// Date reads a day, at midnight in Paris: AAAA-MM-JJ or JJ/MM/AAAA, between the years 2000 and 2100. Empty is the
// zero time, refused when required.
func Date(s, label string, required bool) (time.Time, string) {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if s == "" {
		if required {
			return time.Time{}, Required(label)
		}
		return time.Time{}, ""
	}
	for _, layout := range []string{time.DateOnly, "02/01/2006"} {
		if t, err := time.ParseInLocation(layout, s, catalogue.Paris); err == nil && t.Year() >= 2000 && t.Year() <= 2100 {
			return t, ""
		}
	}
	return time.Time{}, "Le champ « " + label + " » doit être une date valide, au format JJ/MM/AAAA."
}

// DateTimeLayout is the format of a date and time in forms (an HTML datetime-local value) and CSV files.
const DateTimeLayout = "2006-01-02T15:04"

// DateTime reads a required date and time in Paris time (DateTimeLayout; seconds, or a space for the "T",
// accepted).
func DateTime(s, label string) (time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, Required(label)
	}
	for _, layout := range []string{DateTimeLayout, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, catalogue.Paris); err == nil {
			return t, ""
		}
	}
	return time.Time{}, "Le champ « " + label + " » doit être une date et une heure, au format AAAA-MM-JJTHH:MM, par exemple 2026-03-17T09:30."
}

// MaxSlug is the longest slug accepted.
const MaxSlug = 100

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidSlug reports whether s is a slug the back-office could have given: a URL whose slug is not one needs no
// query.
func ValidSlug(s string) bool { return len(s) <= MaxSlug && slugPattern.MatchString(s) }

// Slug checks the address of a page; when s is empty and from is not, it is made from from (a title).
func Slug(s, from string) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" && from != "" {
		s = Slugify(from)
	}
	switch {
	case s == "":
		return s, "Renseignez l’adresse de la page (lettres minuscules, chiffres et tirets)."
	case !utf8.ValidString(s):
		return strings.ToValidUTF8(s, "\uFFFD"), "L’adresse de la page contient des caractères non valides."
	case len(s) > MaxSlug:
		return s, "L’adresse de la page ne doit pas dépasser " + strconv.Itoa(MaxSlug) + " caractères."
	case !slugPattern.MatchString(s):
		return s, "L’adresse de la page ne peut contenir que des lettres minuscules sans accent, des chiffres et des tirets " +
			"simples entre eux, par exemple « securite-des-donnees »."
	}
	return s, ""
}

var unaccent = strings.NewReplacer(
	"à", "a", "â", "a", "ä", "a", "á", "a", "ã", "a", "å", "a", "ç", "c", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"î", "i", "ï", "i", "í", "i", "ì", "i", "ô", "o", "ö", "o", "ó", "o", "ò", "o", "õ", "o", "ù", "u", "û", "u",
	"ü", "u", "ú", "u", "ÿ", "y", "ñ", "n", "œ", "oe", "æ", "ae", "ß", "ss")

// Slugify makes a slug from a French title: "Sécurité des données" → "securite-des-donnees".
func Slugify(title string) string {
	s := unaccent.Replace(strings.ToLower(title))
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	out := b.String()
	if len(out) > MaxSlug {
		out = strings.TrimRight(out[:MaxSlug], "-")
	}
	return out
}

// ID reads a positive decimal number that fits a bigint (an id in a URL or a form); anything else is 0.
func ID(s string) int64 {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}
