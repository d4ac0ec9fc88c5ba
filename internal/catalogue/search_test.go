package catalogue_test

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"campus/internal/catalogue"
)

func TestParseSearchQuery(t *testing.T) {
	long := strings.Repeat("sécurité ", 60) // 540 characters
	cases := []struct {
		name    string
		raw     string
		want    catalogue.SearchQuery
		notices []string
	}{
		{"empty", "", catalogue.SearchQuery{Filters: catalogue.Filters{}, Page: 1}, nil},
		{"text trimmed and spaces collapsed", "q=%20%20donn%C3%A9es%20%20%20ouvertes%20",
			catalogue.SearchQuery{Text: "données ouvertes", Filters: catalogue.Filters{}, Page: 1}, nil},
		{"overlong text cut at a word", "q=" + url.QueryEscape(long),
			catalogue.SearchQuery{Text: strings.TrimSpace(strings.Repeat("sécurité ", 22)), Filters: catalogue.Filters{}, Page: 1},
			[]string{catalogue.NoticeTruncated}},
		{"invalid UTF-8 dropped", "q=s%C3%A9curit%FF%FE%C3%A9",
			catalogue.SearchQuery{Text: "sécurit é", Filters: catalogue.Filters{}, Page: 1}, []string{catalogue.NoticeInvalidText}},
		{"control and private-use characters dropped", "q=cloud%00%07%EE%80%80x",
			catalogue.SearchQuery{Text: "cloud x", Filters: catalogue.Filters{}, Page: 1}, nil},
		{"SQL metacharacters kept as text", "q=" + url.QueryEscape(`'; DROP TABLE modules; --`),
			catalogue.SearchQuery{Text: `'; DROP TABLE modules; --`, Filters: catalogue.Filters{}, Page: 1}, nil},
		{"fixed facets: unknown values ignored, duplicates dropped, case folded",
			"format=presentiel&format=teleportation&format=PRESENTIEL&niveau=avance&duree=1j-3j&duree=42&type=parcours&places=oui",
			catalogue.SearchQuery{Filters: catalogue.Filters{
				catalogue.ParamFormat: {"presentiel"}, catalogue.ParamLevel: {"avance"}, catalogue.ParamDuration: {"1j-3j"},
				catalogue.ParamType: {"parcours"}, catalogue.ParamPlaces: {"1"}}, Page: 1}, nil},
		{"database facets: only slug-shaped values kept (the store checks them)",
			"domaine=data&domaine=%3Cscript%3E&domaine=" + strings.Repeat("a", 100) + "&partenaire=pix&public=managers",
			catalogue.SearchQuery{Filters: catalogue.Filters{catalogue.ParamDomain: {"data"}, catalogue.ParamPartner: {"pix"},
				catalogue.ParamAudience: {"managers"}}, Page: 1}, nil},
		{"page -1", "page=-1", catalogue.SearchQuery{Filters: catalogue.Filters{}, Page: 1}, nil},
		{"page not a number", "page=deux", catalogue.SearchQuery{Filters: catalogue.Filters{}, Page: 1}, nil},
		{"page huge", "page=99999999999999999999", catalogue.SearchQuery{Filters: catalogue.Filters{}, Page: 1}, nil},
		{"page beyond the cap", "page=5000", catalogue.SearchQuery{Filters: catalogue.Filters{}, Page: catalogue.MaxPage}, nil},
		{"page 3, sort", "page=3&tri=date", catalogue.SearchQuery{Filters: catalogue.Filters{}, Page: 3, Sort: catalogue.SortDate}, nil},
		{"unknown sort", "tri=prix", catalogue.SearchQuery{Filters: catalogue.Filters{}, Page: 1}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := url.ParseQuery(c.raw)
			if err != nil {
				t.Fatal(err)
			}
			got, notices := catalogue.ParseSearchQuery(v)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %#v\nwant %#v", got, c.want)
			}
			if !reflect.DeepEqual(notices, c.notices) {
				t.Errorf("notices %q, want %q", notices, c.notices)
			}
		})
	}
}

func TestParseSearchQuery_CapsValues(t *testing.T) {
	v := url.Values{}
	for i := range 100 {
		v.Add(catalogue.ParamDomain, "domaine-"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	q, _ := catalogue.ParseSearchQuery(v)
	if n := len(q.Filters[catalogue.ParamDomain]); n != catalogue.MaxFacetValues {
		t.Errorf("%d values kept, want %d", n, catalogue.MaxFacetValues)
	}
}

func TestSearchQuery_URLRoundTrip(t *testing.T) {
	q := catalogue.SearchQuery{Text: "données & « ouvertes »", Sort: catalogue.SortDuration, Page: 4, Filters: catalogue.Filters{
		catalogue.ParamDomain: {"data", "cybersecurite"}, catalogue.ParamFormat: {"hybride"}, catalogue.ParamPlaces: {"1"}}}
	u, err := url.Parse(q.URL("/catalogue"))
	if err != nil {
		t.Fatal(err)
	}
	back, notices := catalogue.ParseSearchQuery(u.Query())
	if !reflect.DeepEqual(back, q) || notices != nil {
		t.Errorf("round trip: %#v, want %#v", back, q)
	}
	if got := (catalogue.SearchQuery{Page: 1, Filters: catalogue.Filters{}}).URL("/catalogue"); got != "/catalogue" {
		t.Errorf("empty query URL %q", got)
	}
	// Equal searches have equal URLs, whatever the order the parameters came in.
	a, _ := catalogue.ParseSearchQuery(url.Values{"format": {"hybride"}, "q": {"x"}, "domaine": {"data"}})
	if a.URL("/c") != "/c?domaine=data&format=hybride&q=x" {
		t.Errorf("URL %q", a.URL("/c"))
	}
}

func TestSearchQuery_WithoutAndWithText(t *testing.T) {
	q := catalogue.SearchQuery{Text: "cloud", Sort: catalogue.SortRelevance, Page: 3, Filters: catalogue.Filters{
		catalogue.ParamFormat: {"hybride", "presentiel"}, catalogue.ParamLevel: {"avance"}}}
	w := q.Without(catalogue.ParamFormat, "hybride")
	if !reflect.DeepEqual(w.Filters[catalogue.ParamFormat], []string{"presentiel"}) || w.Page != 1 {
		t.Errorf("Without one value: %#v", w)
	}
	if !reflect.DeepEqual(q.Filters[catalogue.ParamFormat], []string{"hybride", "presentiel"}) {
		t.Errorf("Without changed the original: %#v", q.Filters)
	}
	if w := q.Without(catalogue.ParamFormat, ""); w.Filters[catalogue.ParamFormat] != nil || len(w.Filters) != 1 {
		t.Errorf("Without a whole facet: %#v", w.Filters)
	}
	if w := q.WithText(""); w.Text != "" || w.Sort != "" || w.Page != 1 || w.EffectiveSort() != catalogue.SortTitle {
		t.Errorf("WithText(\"\"): %#v", w)
	}
	if q.EffectiveSort() != catalogue.SortRelevance || (catalogue.SearchQuery{Text: "x"}).EffectiveSort() != catalogue.SortRelevance ||
		(catalogue.SearchQuery{}).EffectiveSort() != catalogue.SortTitle || (catalogue.SearchQuery{Sort: catalogue.SortDate}).EffectiveSort() != catalogue.SortDate {
		t.Error("EffectiveSort")
	}
}

func TestSearchWordsAndReplace(t *testing.T) {
	text := `"données ouvertes" -cloud or acessibilité l'hameçonage RGPD de`
	words := catalogue.SearchWords(text)
	want := []string{"données", "ouvertes", "acessibilité", "l'hameçonage", "rgpd"}
	if !reflect.DeepEqual(words, want) {
		t.Errorf("SearchWords = %q, want %q", words, want)
	}
	got := catalogue.ReplaceWords(text, map[string]string{"acessibilité": "accessibilité", "cloud": "nuage", "rgpd": "RGPD"})
	if want := `"données ouvertes" -cloud or accessibilité l'hameçonage RGPD de`; got != want {
		t.Errorf("ReplaceWords = %q, want %q (an excluded word is never replaced)", got, want)
	}
}

func TestMergeHighlights(t *testing.T) {
	const s, e = catalogue.HighlightStart, catalogue.HighlightStop
	text := "L'agilité <b>et</b> les données"
	h := catalogue.MergeHighlights(text,
		"L'"+s+"agilité"+e+" <b>et</b> les données", // one analysis finds agilité
		"L'agilité <b>et</b> les "+s+"données"+e,    // the other données
		"texte différent "+s+"x"+e,                  // not the same text: ignored
		s+"L'agilité <b>et</b> les données",         // unbalanced: ignored
	)
	want := catalogue.Highlight{{Text: "L'"}, {Text: "agilité", Match: true}, {Text: " <b>et</b> les "}, {Text: "données", Match: true}}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got %#v\nwant %#v", h, want)
	}
	if h.String() != text {
		t.Errorf("String() = %q", h.String())
	}
	if got := catalogue.MergeHighlights("abc"); !reflect.DeepEqual(got, catalogue.Highlight{{Text: "abc"}}) {
		t.Errorf("no marked version: %#v", got)
	}
	if got := catalogue.MergeHighlights(""); got != nil {
		t.Errorf("empty text: %#v", got)
	}
}

func TestDurationBandOf(t *testing.T) {
	for minutes, want := range map[int]string{30: "moins-2h", 120: "moins-2h", 121: "2h-1j", 360: "2h-1j", 361: "1j-3j",
		1080: "1j-3j", 1081: "plus-3j", 100000: "plus-3j"} {
		if got := catalogue.DurationBandOf(minutes); got != want {
			t.Errorf("DurationBandOf(%d) = %q, want %q", minutes, got, want)
		}
	}
}

func TestSearchHitHref(t *testing.T) {
	for kind, want := range map[string]string{catalogue.KindModule: "/modules/x", catalogue.KindTrack: "/parcours/x",
		catalogue.KindProgramme: "/programmes-sur-mesure/x"} {
		if got := (catalogue.SearchHit{Kind: kind, Slug: "x"}).Href(); got != want {
			t.Errorf("%s: %q", kind, got)
		}
	}
}
