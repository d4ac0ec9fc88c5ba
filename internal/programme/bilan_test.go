package programme

import (
	"reflect"
	"testing"
)

func TestBilan_Protect(t *testing.T) {
	row := func(key string, v ...int) Row { return Row{Key: key, Label: key, Values: v} }
	b := Bilan{AgentsTrained: 3, Indicators: []Indicator{
		{ID: "par-domaine", Series: EnrolmentSeries, Rows: []Row{row("a", 40, 3), row("b", 7, 0), row("c", 12, 9), row("d", 1, 6)}},
		{ID: "licences", Series: []string{"Licences attribuées", "Licences achetées"}, Rows: []Row{row("pix", 2, 4), row("oc", 30, 600)}},
		{ID: "deux-petits", Series: []string{"Formateurs"}, Rows: []Row{row("x", 1), row("y", 1), row("z", 8), row("w", 20)}},
	}}
	p := b.Protect()
	const P, L, C = Published, MaskSmall, MaskSecondary // published, less than 5, complementary
	hidden := func(in Indicator) map[string][]Mask {
		out := map[string][]Mask{}
		for _, r := range in.Rows {
			out[r.Key] = r.Hidden
			for j, h := range r.Hidden {
				if h != Published && r.Values[j] != 0 {
					t.Errorf("%s %s: hidden value %d kept", in.ID, r.Key, r.Values[j])
				}
				if h == Published && Small(r.Values[j]) && !UnitNotPeople[in.Series[j]] {
					t.Errorf("%s %s: %d published", in.ID, r.Key, r.Values[j])
				}
			}
		}
		return out
	}
	for _, c := range []struct {
		in   Indicator
		want map[string][]Mask
	}{
		// Inscriptions: 1 hidden (sum 1), then 7 (the smallest published): 8 hidden in all. Suivies: 3 hidden,
		// then 6 (sum 9); 0 stays published.
		{p.Indicators[0], map[string][]Mask{"a": {P, L}, "b": {C, P}, "c": {P, P}, "d": {L, C}}},
		// Licences bought count no people.
		{p.Indicators[1], map[string][]Mask{"pix": {L, P}, "oc": {C, P}}},
		// 1 + 1 = 2 hidden would be given back by the total: 8 is hidden too.
		{p.Indicators[2], map[string][]Mask{"x": {L}, "y": {L}, "z": {C}, "w": {P}}},
	} {
		if got := hidden(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: hidden %v, want %v", c.in.ID, got, c.want)
		}
	}
	if !p.Protected || b.Protected || b.Indicators[0].Rows[0].Values[1] != 3 || b.Indicators[0].Rows[0].Hidden != nil {
		t.Error("Protect changed the figures it was given")
	}
	if p.AgentsTrained != 3 || !Small(p.AgentsTrained) || Small(0) || Small(5) {
		t.Error("key figures are exact; Small says which to hide")
	}
}
