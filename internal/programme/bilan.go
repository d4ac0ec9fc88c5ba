package programme

import (
	"fmt"
	"time"

	"campus/internal/catalogue"
)

// The results (bilan): the Campus's figures computed live from the database, for the public page, the open
// data files and the back-office (with filters).
//
// Definitions, applied the same way everywhere:
//   - an enrolment counts unless cancelled, at the date it was made;
//   - a training is followed ("formation suivie") when the enrolment is attended (a dated session) or completed
//     (an online module), at the date it was marked;
//   - an agent is trained when they followed at least one training;
//   - a senior executive is trained when they followed a module meant for the "cadres dirigeants" audience; the
//     participants declared by the tailored programmes meant only for that audience (the 200 directors) are
//     counted apart;
//   - licences allocated are the allocations made (revoked later or not), licences bought the pools' sizes;
//   - trainers are the accounts with the trainer role and a trainer profile, by kind.

// BilanFilter narrows the figures (back-office): a period and an administration. Zero values: no limit.
type BilanFilter struct {
	From           time.Time // first day, included
	To             time.Time // last day, included
	Administration string    // the administration's key (AdministrationKey)
	// Spellings are the administration's names as the agents typed them (those whose key is Administration).
	Spellings []string
}

// Start is the first instant of the period (zero: none), at midnight in Paris.
func (f BilanFilter) Start() time.Time {
	if f.From.IsZero() {
		return time.Time{}
	}
	return time.Date(f.From.Year(), f.From.Month(), f.From.Day(), 0, 0, 0, 0, catalogue.Paris)
}

// End is the first instant after the period (zero: none): midnight in Paris after its last day.
func (f BilanFilter) End() time.Time {
	if f.To.IsZero() {
		return time.Time{}
	}
	return time.Date(f.To.Year(), f.To.Month(), f.To.Day(), 0, 0, 0, 0, catalogue.Paris).AddDate(0, 0, 1)
}

// Counts reports whether a stock (a trainer, a programme's declared participants) counts under the filter: of its
// administration (compared by AdministrationKey) and there before the end of its period. Such stocks have no
// start: a trainer who joined before the period still trains in it.
func (f BilanFilter) Counts(administration string, since time.Time) bool {
	if f.Administration != "" && AdministrationKey(administration) != f.Administration {
		return false
	}
	end := f.End()
	return end.IsZero() || since.Before(end)
}

// Bilan is the whole set of figures.
type Bilan struct {
	GeneratedAt    time.Time
	Filter         BilanFilter
	AgentsTrained  int
	Enrolments     int
	Completions    int
	SeniorTrained  int // agents who followed a module for senior executives
	SeniorDeclared int // participants declared by the tailored programmes for senior executives
	// ProgrammeParticipants: participants declared by every tailored programme (SeniorDeclared among them).
	ProgrammeParticipants int
	Licences              int // allocations made
	Trainers              int
	Indicators            []Indicator
	// Protected: the figures are fit for publication (Protect): every count of people from 1 to 4 is hidden.
	Protected bool
}

// Indicator is one table of figures: rows of categories, one value per series.
type Indicator struct {
	ID     string // stable, used in the open data and as the chart's id
	Title  string
	Unit   string
	Series []string
	Rows   []Row
}

// Row is one category of an indicator.
type Row struct {
	Key    string
	Label  string
	Values []int
	Hidden []Mask // per value, after Protect: why it is not published (its value is then 0)
}

// Mask says whether and why a value is not published.
type Mask uint8

const (
	Published     Mask = iota
	MaskSmall          // a count from 1 to 4: "moins de 5"
	MaskSecondary      // hidden so that a total does not give a small count back: any value
)

// Code is the mask's stable code in the open data ("" when published).
func (m Mask) Code() string {
	switch m {
	case MaskSmall:
		return "moins-de-5"
	case MaskSecondary:
		return "secret-secondaire"
	}
	return ""
}

// Text is what the pages show instead of a hidden value.
func (m Mask) Text() string {
	switch m {
	case MaskSmall:
		return "moins de 5"
	case MaskSecondary:
		return "non publié (secret statistique)"
	}
	return ""
}

// Mask is why the row's value of a series is not published (Published when it is).
func (r Row) Mask(series int) Mask {
	if series < len(r.Hidden) {
		return r.Hidden[series]
	}
	return Published
}

// IsHidden reports whether the row's value of a series is not published.
func (r Row) IsHidden(series int) bool { return r.Mask(series) != Published }

// SmallCount is the statistical secret: a count of people below it (1 to 4) is not published, so that nobody
// can be singled out ("one agent, one domain"). Zero is published.
const SmallCount = 5

// Small reports whether a count of people is too small to publish.
func Small(n int) bool { return n > 0 && n < SmallCount }

// UnitNotPeople is the series that count no people (the licences the State bought): never hidden.
var UnitNotPeople = map[string]bool{"Licences achetées": true}

// Protect returns the figures fit for publication. In each series of each indicator, a count from 1 to 4 is
// hidden; while the hidden values of a series sum to less than 5, its smallest published non-zero value is
// hidden too (secondary suppression), so that the series' total (a key figure, published) minus the published
// values does not give a small count back. A key
// figure from 1 to 4 is hidden by the pages and files that show it (Small). Totals are left exact.
func (b Bilan) Protect() Bilan {
	out := b
	out.Protected = true
	out.Indicators = make([]Indicator, len(b.Indicators))
	for i, in := range b.Indicators {
		pin := in
		pin.Rows = make([]Row, len(in.Rows))
		for k, r := range in.Rows {
			pin.Rows[k] = Row{Key: r.Key, Label: r.Label, Values: append([]int(nil), r.Values...), Hidden: make([]Mask, len(r.Values))}
		}
		for j := range in.Series {
			if UnitNotPeople[in.Series[j]] {
				continue
			}
			sum := 0
			for _, r := range pin.Rows {
				if j < len(r.Values) && Small(r.Values[j]) {
					r.Hidden[j] = MaskSmall
					sum += r.Values[j]
				}
			}
			// Secondary suppression: while the hidden values sum to less than 5 (a total minus the published
			// values would give them back), hide the smallest published one too.
			for sum > 0 && sum < SmallCount {
				smallest := -1
				for k, r := range pin.Rows {
					if j < len(r.Values) && r.Hidden[j] == Published && r.Values[j] > 0 && (smallest < 0 || r.Values[j] < pin.Rows[smallest].Values[j]) {
						smallest = k
					}
				}
				if smallest < 0 {
					break
				}
				pin.Rows[smallest].Hidden[j] = MaskSecondary
				sum += pin.Rows[smallest].Values[j]
			}
			for _, r := range pin.Rows {
				if r.IsHidden(j) {
					r.Values[j] = 0
				}
			}
		}
		out.Indicators[i] = pin
	}
	return out
}

// Indicator ids, stable in the open data.
const (
	IndicatorByDomain   = "par-domaine"
	IndicatorByAudience = "par-public"
	IndicatorByFormat   = "par-format"
	IndicatorByMonth    = "par-mois"
	IndicatorLicences   = "licences-par-partenaire"
	IndicatorTrainers   = "formateurs-par-type"
)

// Series of the enrolment indicators.
var EnrolmentSeries = []string{"Inscriptions", "Formations suivies"}

// Indicator returns the indicator of an id (an empty one when absent).
func (b Bilan) Indicator(id string) Indicator {
	for _, in := range b.Indicators {
		if in.ID == id {
			return in
		}
	}
	return Indicator{ID: id}
}

// MaxMonths bounds the months of the monthly indicator.
const MaxMonths = 36

// Months returns the first day of each month from the month of from to the month of to (at most MaxMonths,
// the last ones).
func Months(from, to time.Time) []time.Time {
	start := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, from.Location())
	end := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, to.Location())
	var out []time.Time
	for m := start; !m.After(end); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	if len(out) > MaxMonths {
		out = out[len(out)-MaxMonths:]
	}
	return out
}

var shortMonths = [...]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}

// MonthLabel is a month the French way: "mars 2026".
func MonthLabel(m time.Time) string { return fmt.Sprintf("%s %d", shortMonths[m.Month()-1], m.Year()) }
