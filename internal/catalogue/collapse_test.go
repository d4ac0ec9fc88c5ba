package catalogue

import (
	"strings"
	"testing"
)

// collapseSpaces must give what strings.Join(strings.Fields(s), " ") gives.
func TestCollapseSpaces(t *testing.T) {
	for _, s := range []string{"", " ", "a", "données", "a b", "a  b", " a", "a ", "a\tb", "a\u00a0b", "a \u2003b",
		"é è", "\u0085", "x\ny", "abc def ghi", "  ", "a\xffb", "a \xff"} {
		if got, want := collapseSpaces(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("collapseSpaces(%q) = %q, want %q", s, got, want)
		}
	}
}
