package programme

import (
	"slices"
	"strconv"
	"strings"
)

// Access to a restricted programme rests on what is verified, never on what an account declares: the admins keep
// a list per programme, whose entries are
//   - a SIREN (9 digits): every establishment of that legal entity, for an account whose last ProConnect
//     sign-in gave a SIRET starting with it;
//   - a SIRET (14 digits): that establishment only;
//   - an e-mail domain ("@interieur.gouv.fr"): an account whose confirmed address is of that domain or of one of
//     its sub-domains ("@dgpn.interieur.gouv.fr"), never a look-alike ("@evilinterieur.gouv.fr",
//     "@interieur.gouv.fr.evil.com").
//
// An account matches an entry when the entry is one of the account's keys (Viewer.Keys): the rule is an equality,
// which the store checks in SQL over an index.

// Kinds of access entries (the values of track_access.kind).
const (
	AccessSIREN  = "siren"
	AccessSIRET  = "siret"
	AccessDomain = "domain"
)

// MaxAccessEntries is the longest access list of a programme.
const MaxAccessEntries = 100

// AccessEntry is one line of a programme's access list. A domain's Value has no "@".
type AccessEntry struct {
	Kind  string
	Value string
}

// String is the entry as admins type and read it: the number, or the domain after "@".
func (e AccessEntry) String() string {
	if e.Kind == AccessDomain {
		return "@" + e.Value
	}
	return e.Value
}

// accessHint says what a line may be, in every message about a bad line.
const accessHint = "une ligne par accès : un SIREN (9 chiffres, par exemple 123456782), un SIRET (14 chiffres, " +
	"par exemple 12345678200010) ou un domaine de messagerie précédé de @ (par exemple @exemple.gouv.fr)"

// ParseAccessEntry reads one line of an access list; the message (French) says what is wrong with it.
func ParseAccessEntry(line string) (AccessEntry, string) {
	s := strings.TrimSpace(line)
	if digitsAndSpaces(s) {
		n := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
		switch len(n) {
		case 9:
			if !luhn(n) {
				return AccessEntry{}, "« " + s + " » n’est pas un numéro SIREN valide (sa clé de contrôle ne correspond pas) : vérifiez-le sur annuaire-entreprises.data.gouv.fr."
			}
			return AccessEntry{Kind: AccessSIREN, Value: n}, ""
		case 14:
			if !validSIRET(n) {
				return AccessEntry{}, "« " + s + " » n’est pas un numéro SIRET valide (sa clé de contrôle ne correspond pas) : vérifiez-le sur annuaire-entreprises.data.gouv.fr."
			}
			return AccessEntry{Kind: AccessSIRET, Value: n}, ""
		}
		return AccessEntry{}, "« " + shown(s) + " » compte " + strconv.Itoa(len(n)) + " chiffres : un SIREN en compte 9, un SIRET 14."
	}
	d := strings.TrimPrefix(s, "@")
	if i := strings.LastIndexByte(d, '@'); i >= 0 {
		return AccessEntry{}, "« " + shown(s) + " » est une adresse : indiquez seulement son domaine, précédé de @ (par exemple @" +
			shown(strings.ToLower(d[i+1:])) + ")."
	}
	d = strings.TrimSuffix(strings.ToLower(d), ".")
	if !validDomain(d) {
		return AccessEntry{}, "« " + shown(s) + " » n’est ni un SIREN, ni un SIRET, ni un domaine de messagerie : " + accessHint + "."
	}
	if broadDomains[d] {
		return AccessEntry{}, "« @" + d + " » couvre toutes les administrations de l’État : indiquez le domaine de l’administration, par exemple @interieur.gouv.fr."
	}
	if OpenMailDomain(d) {
		return AccessEntry{}, "« @" + d + " » est une messagerie ouverte à tous : n’importe qui peut y créer une adresse. Indiquez le domaine de l’administration ou son SIREN."
	}
	return AccessEntry{Kind: AccessDomain, Value: d}, ""
}

// ParseAccessList reads an access list as typed, one entry per line (blank lines ignored, duplicates
// dropped), in the order SortAccess gives. The message (French, "" when the list is valid) names the first bad
// line and how many others there are.
func ParseAccessList(text string) ([]AccessEntry, string) {
	var out []AccessEntry
	var first string
	bad := 0
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		e, msg := ParseAccessEntry(line)
		if msg != "" {
			if bad == 0 {
				first = "Ligne " + strconv.Itoa(i+1) + " : " + msg
			}
			bad++
			continue
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	switch {
	case bad == 2:
		return nil, first + " Une autre ligne est aussi à corriger."
	case bad > 2:
		return nil, first + " " + strconv.Itoa(bad-1) + " autres lignes sont aussi à corriger."
	case bad == 1:
		return nil, first
	case len(out) > MaxAccessEntries:
		return nil, "La liste compte " + strconv.Itoa(len(out)) + " accès : " + strconv.Itoa(MaxAccessEntries) +
			" au plus. Un SIREN couvre tous les établissements d’une administration."
	}
	SortAccess(out)
	return out, ""
}

// SortAccess puts a list in its stored order: SIRENs, SIRETs, then domains, each by value.
func SortAccess(es []AccessEntry) {
	rank := map[string]int{AccessSIREN: 0, AccessSIRET: 1, AccessDomain: 2}
	slices.SortFunc(es, func(a, b AccessEntry) int {
		if a.Kind != b.Kind {
			return rank[a.Kind] - rank[b.Kind]
		}
		return strings.Compare(a.Value, b.Value)
	})
}

// AccessLines is a list as the form shows it, one entry per line.
func AccessLines(es []AccessEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.String()
	}
	return out
}

// Viewer is what is verified about an account, the only facts that open a restricted programme.
type Viewer struct {
	// SIRET is the establishment ProConnect gave at the account's last ProConnect sign-in ("" without one).
	SIRET string
	// Email is the account's address; it counts only when EmailVerified (the owner proved they receive it).
	Email         string
	EmailVerified bool
}

// Keys are the access entries that open a programme to the viewer: their SIRET and its SIREN, and the domain of
// their confirmed address with each parent domain ("a.interieur.gouv.fr" gives "a.interieur.gouv.fr",
// "interieur.gouv.fr", "gouv.fr"). A programme is open to the viewer when its list holds one of them.
func (v Viewer) Keys() []AccessEntry {
	var out []AccessEntry
	if len(v.SIRET) == 14 && onlyDigits(v.SIRET) {
		out = append(out, AccessEntry{Kind: AccessSIRET, Value: v.SIRET}, AccessEntry{Kind: AccessSIREN, Value: v.SIRET[:9]})
	}
	if d := emailDomain(v.Email); v.EmailVerified && d != "" {
		for {
			out = append(out, AccessEntry{Kind: AccessDomain, Value: d})
			_, parent, ok := strings.Cut(d, ".")
			if !ok || !strings.Contains(parent, ".") {
				break
			}
			d = parent
		}
	}
	return out
}

// PrefillAccess is the access list proposed for a programme asked from address: its domain, unless it is not a
// domain an administration owns (an open mail service, gouv.fr itself).
func PrefillAccess(address string) []AccessEntry {
	d := emailDomain(address)
	if d == "" {
		return nil
	}
	e, msg := ParseAccessEntry("@" + d)
	if msg != "" {
		return nil
	}
	return []AccessEntry{e}
}

// emailDomain is the domain of an address, lower case ("" when there is none).
func emailDomain(address string) string {
	i := strings.LastIndexByte(address, '@')
	if i < 0 {
		return ""
	}
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(address[i+1:])), ".")
	if !validDomain(d) {
		return ""
	}
	return d
}

// validDomain accepts a DNS name in ASCII with at least two labels: letters, digits and inner hyphens, a
// top-level label of letters.
func validDomain(d string) bool {
	if len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if strings.HasPrefix(tld, "xn--") {
		return true
	}
	for i := 0; i < len(tld); i++ {
		if tld[i] < 'a' || tld[i] > 'z' {
			return false
		}
	}
	return len(tld) >= 2
}

// broadDomains cover too many administrations to stand for one.
var broadDomains = map[string]bool{"gouv.fr": true}

// openMailDomains are mail services where anyone may open an address.
var openMailDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "yahoo.fr": true, "yahoo.com": true, "ymail.com": true, "hotmail.fr": true,
	"hotmail.com": true, "outlook.fr": true, "outlook.com": true, "live.fr": true, "live.com": true, "msn.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true, "aol.com": true, "aol.fr": true, "orange.fr": true, "wanadoo.fr": true,
	"free.fr": true, "sfr.fr": true, "neuf.fr": true, "club-internet.fr": true, "bbox.fr": true, "laposte.net": true,
	"gmx.fr": true, "gmx.com": true, "gmx.net": true, "proton.me": true, "protonmail.com": true, "pm.me": true,
	"tutanota.com": true, "yandex.com": true, "yandex.ru": true, "mail.com": true, "mailo.com": true, "netcourrier.com": true,
}

// OpenMailDomain reports whether anyone may open an address at d (an e-mail domain, without "@"): such a
// domain proves no belonging to an administration.
func OpenMailDomain(d string) bool { return openMailDomains[strings.ToLower(d)] }

func onlyDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// shown cuts what a message quotes of a line to 60 characters.
func shown(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

func digitsAndSpaces(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '\u00a0' || r == '\u202f':
		default:
			return false
		}
	}
	return digits > 0
}

// luhn checks the key of a SIREN or SIRET (Luhn's algorithm).
func luhn(n string) bool {
	sum := 0
	for i := range len(n) {
		d := int(n[len(n)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// validSIRET checks a SIRET's key: Luhn's, or for La Poste's establishments (SIREN 356000000), whose numbers
// do not all follow it, digits that add up to a multiple of 5.
func validSIRET(n string) bool {
	if luhn(n) {
		return true
	}
	sum := 0
	for i := range len(n) {
		sum += int(n[i] - '0')
	}
	return strings.HasPrefix(n, "356000000") && sum%5 == 0
}
