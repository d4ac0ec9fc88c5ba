package programme

import (
	"fmt"
	"time"
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

// Bilan is the whole set of figures.
type Bilan struct {
	GeneratedAt    time.Time
	Filter         BilanFilter
	AgentsTrained  int
	Enrolments     int
	Completions    int
	SeniorTrained  int // agents who followed a module for senior executives
	SeniorDeclared int // participants declared by the tailored programmes for senior executives
	Licences       int // allocations made
	Trainers       int
	Indicators     []Indicator
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
