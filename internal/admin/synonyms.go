package admin

import (
	"regexp"
	"strconv"
	"strings"
)

// Limits of the search synonyms (/admin/synonymes).
const (
	MaxSynonymGroups = 300
	MaxSynonymTerm   = 100
)

// ParseSynonyms reads the synonyms' text area: one group of equivalent expressions per line, separated by "=";
// blank lines are skipped. It returns the groups, or the French message of the first line at fault.
func ParseSynonyms(text string) ([][]string, string) {
	var groups [][]string
	for i, line := range Lines(text) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		n := "Ligne " + strconv.Itoa(i+1) + " : "
		var group []string
		seen := map[string]bool{}
		for _, t := range strings.Split(line, "=") {
			t = strings.Join(strings.Fields(t), " ")
			switch {
			case t == "":
				return nil, n + "une expression est vide (séparez les expressions par « = »)."
			case len([]rune(t)) > MaxSynonymTerm:
				return nil, n + "« " + string([]rune(t)[:20]) + "… » dépasse " + strconv.Itoa(MaxSynonymTerm) + " caractères."
			case strings.ContainsAny(t, "\t\x00"):
				return nil, n + "caractère non valide."
			case seen[strings.ToLower(t)]:
				return nil, n + "« " + t + " » est répétée."
			}
			seen[strings.ToLower(t)] = true
			group = append(group, t)
		}
		if len(group) < 2 {
			return nil, n + "écrivez au moins deux expressions équivalentes, séparées par « = » (par exemple « IA = intelligence artificielle »)."
		}
		groups = append(groups, group)
	}
	if len(groups) > MaxSynonymGroups {
		return nil, strconv.Itoa(MaxSynonymGroups) + " lignes au plus (actuellement " + strconv.Itoa(len(groups)) + ")."
	}
	return groups, ""
}

// FormatSynonyms writes groups back as the text area shows them.
func FormatSynonyms(groups [][]string) string {
	lines := make([]string, len(groups))
	for i, g := range groups {
		lines[i] = strings.Join(g, " = ")
	}
	return strings.Join(lines, "\n")
}

// MaxPublicDomains bounds the list of public-sector mail domains.
const MaxPublicDomains = 2000

// ParseDomains reads the public-sector mail domains' text area: one domain per line (an address's part after
// "@", lower case; "@" and spaces are dropped), duplicates removed. It returns the domains, or the French message
// of the first line at fault.
func ParseDomains(text string) ([]string, string) {
	var out []string
	seen := map[string]bool{}
	for i, line := range Lines(text) {
		d := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(line), "@"))
		if d == "" || seen[d] {
			continue
		}
		if !domainPattern.MatchString(d) || len(d) > 253 {
			return nil, "Ligne " + strconv.Itoa(i+1) + " : « " + d + " » n’est pas un domaine (par exemple « gouv.fr » ou « ac-lyon.fr »)."
		}
		seen[d] = true
		out = append(out, d)
	}
	if len(out) > MaxPublicDomains {
		return nil, strconv.Itoa(MaxPublicDomains) + " domaines au plus (actuellement " + strconv.Itoa(len(out)) + ")."
	}
	return out, ""
}

var domainPattern = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)
