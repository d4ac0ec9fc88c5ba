package programme

import (
	"strings"
	"unicode"
)

// AdministrationKey normalizes an administration's name so that "DINUM", "Dinum " and "dinum" are the same one
// (a licence quota): lower case, accents removed, punctuation and spaces collapsed to single spaces. A name is
// typed by whoever fills a form: it never opens a restricted programme (access.go).
func AdministrationKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		r = fold(r)
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

// fold removes the diacritics of the letters French uses.
func fold(r rune) rune {
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å':
		return 'a'
	case 'ç':
		return 'c'
	case 'è', 'é', 'ê', 'ë':
		return 'e'
	case 'ì', 'í', 'î', 'ï':
		return 'i'
	case 'ñ':
		return 'n'
	case 'ò', 'ó', 'ô', 'õ', 'ö':
		return 'o'
	case 'ù', 'ú', 'û', 'ü':
		return 'u'
	case 'ý', 'ÿ':
		return 'y'
	case 'œ':
		return 'o' // "œ" sorts with "oe"; one letter is enough for a key
	case 'æ':
		return 'a'
	case '\'', '’':
		return ' '
	}
	return r
}

// Slug makes a URL slug of a name: lower case ASCII letters and digits separated by single hyphens.
func Slug(name string) string {
	k := AdministrationKey(name)
	var b strings.Builder
	for _, r := range k {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	return s
}
