package admin

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"campus/internal/catalogue"
)

// MaxSlug is the longest slug accepted.
const MaxSlug = 100

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidSlug reports whether s is a slug the back-office could have given (lower-case letters without accents,
// digits and single hyphens, at most MaxSlug characters): a URL whose slug is not one needs no query.
func ValidSlug(s string) bool { return len(s) <= MaxSlug && slugPattern.MatchString(s) }

func itoa(n int) string { return strconv.Itoa(n) }

// line cleans a single-line text: valid UTF-8, trimmed, no control characters, at most max characters.
func line(s, label string, max int, required bool) (string, string) {
	if !utf8.ValidString(s) {
		return strings.ToValidUTF8(s, "\uFFFD"), "Le champ « " + label + " » contient des caractères non valides."
	}
	s = strings.TrimSpace(s)
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return s, "Le champ « " + label + " » doit tenir sur une ligne (pas de retour à la ligne ni de tabulation)."
		}
	}
	return s, lengthMessage(s, label, max, required)
}

// text cleans a multi-line text: valid UTF-8, line ends normalized to \n, trailing spaces of lines and blank
// lines around trimmed, no control character but the line end, at most max characters.
func text(s, label string, max int, required bool) (string, string) {
	if !utf8.ValidString(s) {
		return strings.ToValidUTF8(s, "\uFFFD"), "Le champ « " + label + " » contient des caractères non valides."
	}
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	s = strings.Trim(strings.Join(ls, "\n"), "\n ")
	for _, r := range s {
		if r != '\n' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			return s, "Le champ « " + label + " » contient des caractères non autorisés."
		}
	}
	return s, lengthMessage(s, label, max, required)
}

func lengthMessage(s, label string, max int, required bool) string {
	if required && s == "" {
		return "Renseignez le champ « " + label + " »."
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "Le champ « " + label + " » ne doit pas dépasser " + itoa(max) + " caractères (actuellement " + itoa(n) + ")."
	}
	return ""
}

// list cleans a list of single-line items (empty items dropped): at most maxItems of at most maxLen each.
func list(items []string, label string, maxItems, maxLen int, required bool) ([]string, string) {
	out := []string{}
	for _, it := range items {
		v, msg := line(it, label, maxLen, false)
		if msg != "" {
			return out, "« " + label + " » : " + strings.TrimPrefix(msg, "Le champ « "+label+" » ")
		}
		if v != "" {
			out = append(out, v)
		}
	}
	switch {
	case required && len(out) == 0:
		return out, "Renseignez au moins un élément dans « " + label + " »."
	case len(out) > maxItems:
		return out, "« " + label + " » : " + itoa(maxItems) + " éléments au plus (actuellement " + itoa(len(out)) + ")."
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

// slug checks a slug; when empty and from is given, it is made from from (a title).
func slug(s, from string) (string, string) {
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
		return s, "L’adresse de la page ne doit pas dépasser " + itoa(MaxSlug) + " caractères."
	case !slugPattern.MatchString(s):
		return s, "L’adresse de la page ne peut contenir que des lettres minuscules sans accent, des chiffres et des tirets " +
			"simples entre eux, par exemple « securite-des-donnees »."
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

// number reads a whole number between min and max.
func number(s, label string, lo, hi int, required bool) (int, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return 0, "Renseignez le champ « " + label + " »."
		}
		return 0, ""
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, "Le champ « " + label + " » doit être un nombre entier, par exemple " + itoa(max(lo, 1)) + "."
	}
	if n < lo || n > hi {
		return n, "Le champ « " + label + " » doit être compris entre " + itoa(lo) + " et " + itoa(hi) + "."
	}
	return n, ""
}

// webURL checks an optional https address.
func webURL(s, label string) (string, string) {
	s, msg := line(s, label, 500, false)
	if msg != "" || s == "" {
		return s, msg
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || strings.ContainsAny(s, " <>\"") {
		return s, "Le champ « " + label + " » doit être une adresse web commençant par https://, par exemple https://www.exemple.gouv.fr."
	}
	return s, ""
}

// DateTimeLayout is the format of a date and time in forms (an HTML datetime-local value) and CSV files.
const DateTimeLayout = "2006-01-02T15:04"

// dateTime reads a date and time in Paris time.
func dateTime(s, label string) (time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, "Renseignez le champ « " + label + " »."
	}
	for _, layout := range []string{DateTimeLayout, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, catalogue.Paris); err == nil {
			return t, ""
		}
	}
	return time.Time{}, "Le champ « " + label + " » doit être une date et une heure, au format AAAA-MM-JJTHH:MM, par exemple 2026-03-17T09:30."
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
		return v, "Choisissez une valeur pour « " + label + " »."
	}
	var names []string
	for _, a := range allowed {
		if labelOf != nil {
			names = append(names, a+" ("+labelOf(a)+")")
		} else {
			names = append(names, a)
		}
	}
	return v, "Valeur inconnue pour « " + label + " » : « " + v + " ». Valeurs possibles : " + strings.Join(names, ", ") + "."
}
