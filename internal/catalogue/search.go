package catalogue

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// URL parameters of the catalogue search. Sibling State sites link into the catalogue with them: they are part
// of the public interface, documented on /donnees-ouvertes, and must not change.
const (
	ParamQuery     = "q"          // free text, websearch syntax: "exact phrase", -excluded, or
	ParamType      = "type"       // module, parcours, programme
	ParamDomain    = "domaine"    // domain slug
	ParamFormat    = "format"     // en_ligne, presentiel, hybride
	ParamLevel     = "niveau"     // decouverte, intermediaire, avance
	ParamDuration  = "duree"      // a DurationBand key
	ParamAudience  = "public"     // audience slug
	ParamPartner   = "partenaire" // partner slug
	ParamPlaces    = "places"     // 1: an upcoming session with seats left
	ParamSort      = "tri"        // pertinence, titre, duree, date
	ParamPage      = "page"       // 1, 2, …
	PlacesSelected = "1"
)

// Search limits: longer input is cut, not refused.
const (
	MaxQueryRunes     = 200  // characters of free text kept
	MaxFacetValues    = 30   // values kept per facet parameter
	MaxPage           = 1000 // pages beyond are brought back to the last one anyway
	SearchPageSize    = 20
	FuzzyBelow        = 3 // when the text alone finds fewer results, typos are corrected from the vocabulary
	maxFacetValueSize = 80
)

// Sort orders.
const (
	SortRelevance = "pertinence"
	SortTitle     = "titre"
	SortDuration  = "duree"
	SortDate      = "date"
)

// Sorts lists the sort orders with their French labels, in display order.
var Sorts = []Option{
	{SortRelevance, "Pertinence"},
	{SortTitle, "Titre (A → Z)"},
	{SortDuration, "Durée (la plus courte d’abord)"},
	{SortDate, "Prochaine session (la plus proche d’abord)"},
}

// Kinds of search result.
const (
	KindModule    = "module"
	KindTrack     = "parcours"
	KindProgramme = "programme" // tailored programme
)

// KindLabel is the French label of a kind of result.
func KindLabel(k string) string {
	switch k {
	case KindModule:
		return "Module"
	case KindTrack:
		return "Parcours"
	case KindProgramme:
		return "Programme sur mesure"
	}
	return k
}

// Option is a fixed value of a facet or sort, with its French label.
type Option struct {
	Value, Label string
}

// DurationBand groups durations for the duration facet. Max is inclusive, in minutes; 0 means no upper bound.
type DurationBand struct {
	Key, Label string
	Max        int
}

// DurationBands lists the duration facet's bands in order (a day counts 6 hours, as in Duration).
var DurationBands = []DurationBand{
	{"moins-2h", "2\u00a0h ou moins", 120},
	{"2h-1j", "De 2\u00a0h à 1\u00a0jour", 360},
	{"1j-3j", "De 1 à 3 jours", 1080},
	{"plus-3j", "Plus de 3 jours", 0},
}

// DurationBandOf returns the key of the band holding a duration.
func DurationBandOf(minutes int) string {
	for _, b := range DurationBands {
		if b.Max == 0 || minutes <= b.Max {
			return b.Key
		}
	}
	return DurationBands[len(DurationBands)-1].Key
}

// FacetDef describes a facet: its URL parameter, its legend, and its values when they are fixed (the others
// come from the database: domains, audiences, partners).
type FacetDef struct {
	Key    string
	Legend string
	Fixed  []Option
}

// Facets lists the facets in display order.
var Facets = []FacetDef{
	{ParamType, "Type de formation", []Option{{KindModule, "Modules"}, {KindTrack, "Parcours"}, {KindProgramme, "Programmes sur mesure"}}},
	{ParamDomain, "Domaine", nil},
	{ParamFormat, "Format", []Option{{FormatOnline, FormatLabel(FormatOnline)}, {FormatInPerson, FormatLabel(FormatInPerson)}, {FormatHybrid, FormatLabel(FormatHybrid)}}},
	{ParamLevel, "Niveau", []Option{{"decouverte", LevelLabel("decouverte")}, {"intermediaire", LevelLabel("intermediaire")}, {"avance", LevelLabel("avance")}}},
	{ParamDuration, "Durée", durationOptions()},
	{ParamAudience, "Public", nil},
	{ParamPartner, "Partenaire", nil},
	{ParamPlaces, "Disponibilité", []Option{{PlacesSelected, "Session à venir avec des places"}}},
}

func durationOptions() []Option {
	out := make([]Option, len(DurationBands))
	for i, b := range DurationBands {
		out[i] = Option{b.Key, b.Label}
	}
	return out
}

// FacetDefOf returns the definition of a facet by its URL parameter.
func FacetDefOf(key string) (FacetDef, bool) {
	for _, f := range Facets {
		if f.Key == key {
			return f, true
		}
	}
	return FacetDef{}, false
}

// Filters maps a facet's URL parameter to its selected values. Within a facet values are alternatives (or);
// facets combine (and).
type Filters map[string][]string

// Has reports whether a value of a facet is selected.
func (f Filters) Has(facet, value string) bool { return slices.Contains(f[facet], value) }

// Count is the number of selected values, all facets together.
func (f Filters) Count() int {
	n := 0
	for _, v := range f {
		n += len(v)
	}
	return n
}

func (f Filters) clone() Filters {
	out := make(Filters, len(f))
	for k, v := range f {
		out[k] = slices.Clone(v)
	}
	return out
}

// SearchQuery is a parsed, bounded catalogue search.
type SearchQuery struct {
	Text    string
	Filters Filters
	Sort    string // one of the Sort constants; "" for the default
	Page    int    // from 1
}

// EffectiveSort is the order actually used: relevance when there is text, title otherwise, unless chosen.
func (q SearchQuery) EffectiveSort() string {
	switch {
	case q.Sort == SortRelevance && q.Text == "":
		return SortTitle
	case q.Sort != "":
		return q.Sort
	case q.Text != "":
		return SortRelevance
	}
	return SortTitle
}

// Values encodes the query as URL parameters (default page and sort left out), so that equal searches have
// equal URLs.
func (q SearchQuery) Values() url.Values {
	v := url.Values{}
	if q.Text != "" {
		v.Set(ParamQuery, q.Text)
	}
	for _, f := range Facets {
		if vals := q.Filters[f.Key]; len(vals) > 0 {
			v[f.Key] = slices.Clone(vals)
		}
	}
	if q.Sort != "" {
		v.Set(ParamSort, q.Sort)
	}
	if q.Page > 1 {
		v.Set(ParamPage, strconv.Itoa(q.Page))
	}
	return v
}

// URL is the address of the query under path ("/catalogue", "/api/catalogue.csv").
func (q SearchQuery) URL(path string) string {
	if e := q.Values().Encode(); e != "" {
		return path + "?" + e
	}
	return path
}

// WithPage is the same search at another page.
func (q SearchQuery) WithPage(n int) SearchQuery {
	q.Page = n
	return q
}

// WithText is the same filters with another text, from the first page.
func (q SearchQuery) WithText(text string) SearchQuery {
	q.Text, q.Page = text, 1
	if text == "" && q.Sort == SortRelevance {
		q.Sort = ""
	}
	return q
}

// Without drops one value of a facet (all of its values when value is ""), back to the first page.
func (q SearchQuery) Without(facet, value string) SearchQuery {
	q.Filters = q.Filters.clone()
	if value == "" {
		delete(q.Filters, facet)
	} else {
		q.Filters[facet] = slices.DeleteFunc(q.Filters[facet], func(s string) bool { return s == value })
		if len(q.Filters[facet]) == 0 {
			delete(q.Filters, facet)
		}
	}
	q.Page = 1
	return q
}

// Only keeps, in each facet, the values keep accepts (used to drop values the database does not know).
func (q SearchQuery) Only(keep func(facet, value string) bool) SearchQuery {
	out := Filters{}
	for k, vals := range q.Filters {
		for _, v := range vals {
			if keep(k, v) {
				out[k] = append(out[k], v)
			}
		}
	}
	q.Filters = out
	return q
}

// Notices of ParseSearchQuery, shown to the user.
const (
	NoticeTruncated   = "Votre recherche était trop longue : seuls ses 200 premiers caractères ont été pris en compte."
	NoticeInvalidText = "Votre recherche contenait des caractères illisibles : ils ont été ignorés."
)

// ParseSearchQuery reads a search from URL parameters. It never fails: overlong text is cut, invalid UTF-8 and
// control characters are dropped, values of fixed facets that do not exist are ignored (those of domains,
// audiences and partners are checked by the store), and a page that is not a positive number is the first.
// It returns the notices the user should read.
func ParseSearchQuery(v url.Values) (SearchQuery, []string) {
	var notices []string
	q := SearchQuery{Filters: Filters{}, Page: 1}

	text := v.Get(ParamQuery)
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, " ")
		notices = append(notices, NoticeInvalidText)
	}
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Co, r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, text)
	text = collapseSpaces(text)
	if utf8.RuneCountInString(text) > MaxQueryRunes {
		text = truncateRunes(text, MaxQueryRunes)
		notices = append(notices, NoticeTruncated)
	}
	q.Text = text

	for _, f := range Facets {
		seen := map[string]bool{}
		for _, raw := range v[f.Key] {
			val := strings.ToLower(strings.TrimSpace(raw))
			if !validFacetValue(val) || seen[val] {
				continue
			}
			if f.Fixed != nil && !slices.ContainsFunc(f.Fixed, func(o Option) bool { return o.Value == val }) {
				if f.Key == ParamPlaces && (val == "oui" || val == "on" || val == "true") {
					val = PlacesSelected
				} else {
					continue
				}
			}
			seen[val] = true
			q.Filters[f.Key] = append(q.Filters[f.Key], val)
			if len(q.Filters[f.Key]) == MaxFacetValues {
				break
			}
		}
	}

	if s := v.Get(ParamSort); slices.ContainsFunc(Sorts, func(o Option) bool { return o.Value == s }) {
		q.Sort = s
	}
	if p := strings.TrimSpace(v.Get(ParamPage)); p != "" { // no page: no strconv error made for nothing
		if n, err := strconv.Atoi(p); err == nil && n > 1 {
			q.Page = min(n, MaxPage)
		}
	}
	return q, notices
}

// collapseSpaces is strings.Join(strings.Fields(s), " "): the words of s separated by single spaces. A text
// already in that form (the usual case) is returned as it is, without allocating.
func collapseSpaces(s string) string {
	prevSpace := true // a leading space is not in the form
	for _, r := range s {
		space := unicode.IsSpace(r) // as strings.Fields
		if space && (prevSpace || r != ' ') {
			return strings.Join(strings.Fields(s), " ")
		}
		prevSpace = space
	}
	if prevSpace && s != "" { // a trailing space
		return strings.Join(strings.Fields(s), " ")
	}
	return s
}

func validFacetValue(s string) bool {
	if s == "" || len(s) > maxFacetValueSize {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// truncateRunes keeps the first n runes, and cuts back to the last space when there is one in the second half,
// so that no word is left half.
func truncateRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			s = s[:pos]
			break
		}
		i++
	}
	if sp := strings.LastIndexByte(s, ' '); sp > len(s)/2 {
		s = s[:sp]
	}
	return strings.TrimSpace(s)
}

// SearchWords are the words of a query that a typo could be corrected in: not excluded (-word), not the
// operator "or", at least three letters, lower-cased and in order of appearance, without duplicates.
func SearchWords(text string) []string {
	var out []string
	for _, t := range tokens(text) {
		if !t.word || t.excluded || len([]rune(t.text)) < 3 || strings.EqualFold(t.text, "or") {
			continue
		}
		w := strings.ToLower(t.text)
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// ReplaceWords rewrites a query with some words replaced (keys lower-case, as from SearchWords), keeping its
// quotes, exclusions and punctuation.
func ReplaceWords(text string, repl map[string]string) string {
	var b strings.Builder
	for _, t := range tokens(text) {
		if r, ok := repl[strings.ToLower(t.text)]; ok && t.word && !t.excluded {
			b.WriteString(r)
		} else {
			b.WriteString(t.text)
		}
	}
	return b.String()
}

type token struct {
	text     string
	word     bool
	excluded bool
}

// tokens splits text into words (letters, digits, inner apostrophes and hyphens) and what lies between them.
func tokens(text string) []token {
	var out []token
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	rs := []rune(text)
	for i := 0; i < len(rs); {
		j := i
		if isWord(rs[i]) {
			for j < len(rs) && (isWord(rs[j]) || (rs[j] == '-' || rs[j] == '\'' || rs[j] == '’') && j+1 < len(rs) && isWord(rs[j+1])) {
				j++
			}
			excluded := i > 0 && rs[i-1] == '-' && (i == 1 || unicode.IsSpace(rs[i-2]))
			out = append(out, token{text: string(rs[i:j]), word: true, excluded: excluded})
		} else {
			for j < len(rs) && !isWord(rs[j]) {
				j++
			}
			out = append(out, token{text: string(rs[i:j])})
		}
		i = j
	}
	return out
}

// Highlight marks start and stop: private-use characters the store asks ts_headline to put around matches.
// They are never shown: the text is split on them into fragments, each escaped when rendered.
const (
	HighlightStart = "\uE000"
	HighlightStop  = "\uE001"
)

// Fragment is a piece of text, matching the search or not.
type Fragment struct {
	Text  string
	Match bool
}

// Highlight is a text cut into fragments; rendering escapes each and wraps matches in <mark>.
type Highlight []Fragment

// String is the text without marks.
func (h Highlight) String() string {
	var b strings.Builder
	for _, f := range h {
		b.WriteString(f.Text)
	}
	return b.String()
}

// MergeHighlights builds the highlight of text from several marked versions of it (one per analysis of the
// text: a word may match in one and not in the other), a character being a match when any version marks it.
// A version whose text, marks removed, is not text is ignored, so that a highlight never alters the text.
func MergeHighlights(text string, marked ...string) Highlight {
	rs := []rune(text)
	mask := make([]bool, len(rs))
	for _, m := range marked {
		plain, marks, ok := unmark(m)
		if !ok || plain != text {
			continue
		}
		for i, b := range marks {
			mask[i] = mask[i] || b
		}
	}
	var out Highlight
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && mask[j] == mask[i] {
			j++
		}
		out = append(out, Fragment{Text: string(rs[i:j]), Match: mask[i]})
		i = j
	}
	return out
}

// unmark removes the marks from a marked text and tells, for each rune left, whether it was inside marks.
// Unbalanced marks make it fail.
func unmark(m string) (string, []bool, bool) {
	var b strings.Builder
	var marks []bool
	in := false
	for _, r := range m {
		switch string(r) {
		case HighlightStart:
			if in {
				return "", nil, false
			}
			in = true
		case HighlightStop:
			if !in {
				return "", nil, false
			}
			in = false
		default:
			b.WriteRune(r)
			marks = append(marks, in)
		}
	}
	return b.String(), marks, !in
}

// SearchHit is a module or a track found by a search.
type SearchHit struct {
	Kind            string // KindModule, KindTrack, KindProgramme
	ID              int64
	Slug            string
	Title           Highlight
	Summary         Highlight
	Domain          Ref
	DomainComing    bool
	Partner         Ref      // modules delivered by a partner
	Administration  string   // tailored programmes
	Formats         []string // a module's format; the formats of a track's modules
	Levels          []string
	DurationMinutes int // a track's is the sum of its modules'
	ModuleCount     int // tracks
	NextSession     *time.Time
	Places          bool // an upcoming session has seats left (one of its modules' for a track)
}

// Href is the page of the hit.
func (h SearchHit) Href() string {
	switch h.Kind {
	case KindTrack:
		return "/parcours/" + h.Slug
	case KindProgramme:
		return "/programmes-sur-mesure/" + h.Slug
	}
	return "/modules/" + h.Slug
}

// FacetValue is a value of a facet with the number of results it would give, the other facets applied.
type FacetValue struct {
	Value    string
	Label    string
	Count    int
	Selected bool
}

// Facet is a facet as shown: every value, including those with no result (shown disabled).
type Facet struct {
	FacetDef
	Values []FacetValue
	// Without is the number of results with this facet's selection dropped (the other filters kept).
	Without int
}

// Active reports whether a value of the facet is selected.
func (f Facet) Active() bool {
	return slices.ContainsFunc(f.Values, func(v FacetValue) bool { return v.Selected })
}

// SearchResult is a page of results with its facets.
type SearchResult struct {
	Query       SearchQuery // as applied: unknown facet values dropped, page brought within range
	Total       int         // results with every filter
	Pages       int
	Hits        []SearchHit
	Facets      []Facet
	TextOnly    int      // results of the text alone, no filter
	TextIgnored bool     // the text holds only common words ("de la"): it was not applied
	Corrected   string   // the text with typos corrected, when the text alone found little and it helped
	Suggestions []string // closest known terms, when nothing was found
}

// FacetByKey returns a facet of the result.
func (r SearchResult) FacetByKey(key string) (Facet, bool) {
	for _, f := range r.Facets {
		if f.Key == key {
			return f, true
		}
	}
	return Facet{}, false
}

// PageCount is the number of pages of n results.
func PageCount(n int) int {
	if n <= 0 {
		return 1
	}
	return (n + SearchPageSize - 1) / SearchPageSize
}

// ExportEntry is an entry of the published catalogue as given in open data: a module (with its audiences,
// upcoming sessions and tracks) or a track or tailored programme (with its modules in order).
type ExportEntry struct {
	Kind   string
	Module *Module // KindModule
	Track  *Track  // KindTrack, KindProgramme
}
