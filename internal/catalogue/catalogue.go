// Package catalogue holds the types and rules of the training catalogue: domains, partners, audiences,
// modules, tracks (parcours, including tailored programmes) and dated module sessions. No HTTP, no SQL.
package catalogue

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Status values shared by catalogue entities.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusComing    = "coming" // domains only: announced, visible, not enrollable
	StatusArchived  = "archived"
)

// Formats of a module.
const (
	FormatOnline   = "en_ligne"
	FormatInPerson = "presentiel"
	FormatHybrid   = "hybride"
)

// Formats lists the formats in display order.
var Formats = []string{FormatOnline, FormatInPerson, FormatHybrid}

// Levels lists the levels in display order.
var Levels = []string{"decouverte", "intermediaire", "avance"}

// FormatLabel is the French label of a format.
func FormatLabel(f string) string {
	switch f {
	case FormatOnline:
		return "En ligne"
	case FormatInPerson:
		return "Présentiel"
	case FormatHybrid:
		return "Hybride"
	}
	return f
}

// LevelLabel is the French label of a level.
func LevelLabel(l string) string {
	switch l {
	case "decouverte":
		return "Découverte"
	case "intermediaire":
		return "Intermédiaire"
	case "avance":
		return "Avancé"
	}
	return l
}

// PartnerKindLabel is the French label of a kind of partner.
func PartnerKindLabel(k string) string {
	switch k {
	case "ecole":
		return "Écoles et instituts publics"
	case "international":
		return "Partenaires internationaux"
	case "plateforme":
		return "Plateformes de formation"
	case "administration":
		return "Administrations"
	}
	return k
}

// PartnerKinds lists the kinds of partner in display order.
var PartnerKinds = []string{"ecole", "international", "plateforme", "administration"}

// Domain is a thematic domain.
type Domain struct {
	ID          int64
	Slug        string
	Title       string
	Summary     string
	Description string
	Status      string
	Position    int
	ModuleCount int
	TrackCount  int
}

// Coming reports whether the domain is announced but not open yet.
func (d Domain) Coming() bool { return d.Status == StatusComing }

// Partner delivers modules.
type Partner struct {
	ID          int64
	Slug        string
	Name        string
	ShortName   string
	Kind        string
	Summary     string
	Description string
	Website     string
	ModuleCount int
}

// Audience is who a module is meant for.
type Audience struct {
	ID          int64
	Slug        string
	Label       string
	Description string
}

// Ref is a light link to another entity (slug and title).
type Ref struct {
	Slug  string
	Title string
}

// TrackLink links to a track or a tailored programme.
type TrackLink struct {
	Ref
	Tailored bool
}

// Href is the page of the track.
func (t TrackLink) Href() string {
	if t.Tailored {
		return "/programmes-sur-mesure/" + t.Slug
	}
	return "/parcours/" + t.Slug
}

// ModuleCard is what a list of modules shows.
type ModuleCard struct {
	ID              int64
	Slug            string
	Title           string
	Summary         string
	DurationMinutes int
	Format          string
	Level           string
	Domain          Ref
	Partner         Ref // empty Slug when delivered by the Campus itself
	NextSession     *time.Time
}

// Module is the full module page.
type Module struct {
	ModuleCard
	Objectives    []string
	Outline       []string
	Prerequisites string
	ExternalURL   string
	Keywords      []string
	Status        string
	DomainStatus  string
	Audiences     []Audience
	Tracks        []TrackLink
	Sessions      []Session
	UpdatedAt     time.Time
}

// Enrollable reports whether agents may enrol in the module now.
func (m Module) Enrollable() bool {
	return m.Status == StatusPublished && m.DomainStatus == StatusPublished
}

// Dated reports whether the module is given in dated sessions (in person or hybrid).
func (m ModuleCard) Dated() bool { return m.Format != FormatOnline }

// TrackCard is what a list of tracks shows.
type TrackCard struct {
	ID              int64
	Slug            string
	Title           string
	Summary         string
	Domain          Ref
	Administration  string
	Participants    int
	ModuleCount     int
	DurationMinutes int
	Featured        bool
}

// Tailored reports whether the track is a tailored programme for a named administration.
func (t TrackCard) Tailored() bool { return t.Administration != "" }

// Track is the full track page.
type Track struct {
	TrackCard
	Description string
	Audiences   []Audience
	Modules     []ModuleCard // in track order
	Status      string
}

// Session is a dated occurrence of a module.
type Session struct {
	ID         int64
	Ref        string
	ModuleID   int64
	StartsAt   time.Time
	EndsAt     time.Time
	PlaceName  string
	Address    string
	City       string
	VirtualURL string
	Capacity   int
	SeatsTaken int
	Status     string
	// ApprovalRequired: an enrolment needs the line manager's approval (the seat is held meanwhile).
	ApprovalRequired bool
	// HalfDays: attendance is marked per half-day (otherwise per day).
	HalfDays bool
}

// SeatsLeft is how many seats remain.
func (s Session) SeatsLeft() int {
	if n := s.Capacity - s.SeatsTaken; n > 0 {
		return n
	}
	return 0
}

// Virtual reports whether the session happens in a virtual classroom only.
func (s Session) Virtual() bool { return s.PlaceName == "" }

// Full reports whether no seat is left.
func (s Session) Full() bool { return s.SeatsTaken >= s.Capacity }

// Paris is the time zone every date of the Campus is shown in.
var Paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("catalogue: time zone %s: %v", name, err))
	}
	return loc
}

// Wait formats a short delay the French way, rounded up to the minute from one minute: "10 minutes",
// "1 minute", "30 secondes".
func Wait(d time.Duration) string {
	if d < time.Minute {
		n := max(1, int((d+time.Second-1)/time.Second))
		return fmt.Sprintf("%d seconde%s", n, map[bool]string{true: "s"}[n > 1])
	}
	n := int((d + time.Minute - 1) / time.Minute)
	return fmt.Sprintf("%d minute%s", n, map[bool]string{true: "s"}[n > 1])
}

// Count writes a quantity the French way: digits grouped by three with a narrow no-break space
// ("3\u202f445", "120\u202f000"). Not for years or identifiers.
func Count(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	if len(s) >= 4 {
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteString("\u202f")
			}
			b.WriteRune(c)
		}
		s = b.String()
	}
	if neg {
		return "-" + s
	}
	return s
}

// typesetter puts a text into French typography: curly apostrophes, a no-break space inside « » and before a
// colon, a narrow no-break space before ; ? and !. Only spaces already written are replaced: "https://" and
// "9:30" are left as they are.
var typesetter = strings.NewReplacer(
	"'", "\u2019",
	"« ", "«\u00a0", " »", "\u00a0»",
	" :", "\u00a0:",
	" ;", "\u202f;", " ?", "\u202f?", " !", "\u202f!",
)

// Typeset returns s in French typography (see typesetter). The seed's texts are written that way
// (TestReference_Typography) so that content and interface read alike.
func Typeset(s string) string { return typesetter.Replace(s) }

// List joins items the French way: "a", "a et b", "a, b et c".
func List(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " et " + items[len(items)-1]
}

// De is "de" before a name or a month, elided before a vowel: De("Marie") is "de Marie", De("Alix") "d’Alix",
// De("avril 2026") "d’avril 2026". An h is left alone: whether it is mute ("d’Hélène") or aspirated ("de Hollande")
// cannot be read from the spelling.
func De(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	if strings.ContainsRune("aeiouàâäéèêëîïôöùûüœæ", unicode.ToLower(r)) {
		return "d’" + s
	}
	return "de " + s
}

// Plural is a count with its noun, singular for 0 and 1 as French has it: Plural(2, "module", "modules") is
// "2 modules", Plural(0, "place libre", "places libres") "0 place libre".
func Plural(n int, one, many string) string {
	if n <= 1 && n >= -1 {
		return Count(n) + " " + one
	}
	return Count(n) + " " + many
}

// Duration formats minutes the French way: "45 min", "3 h", "2 h 30", "2 jours" (6 h a day from 12 h).
func Duration(minutes int) string {
	if minutes <= 0 {
		return "—"
	}
	if minutes < 60 {
		return fmt.Sprintf("%d\u00a0min", minutes)
	}
	h, m := minutes/60, minutes%60
	if m == 0 {
		if h >= 12 && h%6 == 0 {
			if h/6 == 1 {
				return "1\u00a0jour"
			}
			return fmt.Sprintf("%d\u00a0jours (%d\u00a0h)", h/6, h)
		}
		return fmt.Sprintf("%d\u00a0h", h)
	}
	return fmt.Sprintf("%d\u00a0h\u00a0%02d", h, m)
}

var frenchMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
	"septembre", "octobre", "novembre", "décembre"}
var frenchDays = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}

// Date formats a day the French way in Paris time: "mardi 3 février 2026".
func Date(t time.Time) string {
	t = t.In(Paris)
	return fmt.Sprintf("%s %s %s %d", frenchDays[t.Weekday()], dayOfMonth(t), frenchMonths[t.Month()-1], t.Year())
}

// ShortDate formats a day as "3 févr. 2026"-like "3 février 2026" without weekday.
func ShortDate(t time.Time) string {
	t = t.In(Paris)
	return fmt.Sprintf("%s %s %d", dayOfMonth(t), frenchMonths[t.Month()-1], t.Year())
}

// dayOfMonth is the day's number as French writes it: "1er", "2", … "31".
func dayOfMonth(t time.Time) string {
	if t.Day() == 1 {
		return "1er"
	}
	return strconv.Itoa(t.Day())
}

// Clock formats a time of day in Paris time: "9 h 30", "14 h".
func Clock(t time.Time) string {
	t = t.In(Paris)
	if t.Minute() == 0 {
		return fmt.Sprintf("%d\u00a0h", t.Hour())
	}
	return fmt.Sprintf("%d\u00a0h\u00a0%02d", t.Hour(), t.Minute())
}

// Span formats a session's dates: "mardi 3 février 2026, 9 h – 17 h" or "du 3 février 2026 au 4 février 2026".
func Span(start, end time.Time) string {
	s, e := start.In(Paris), end.In(Paris)
	if s.Year() == e.Year() && s.YearDay() == e.YearDay() {
		return fmt.Sprintf("%s, %s – %s", Date(s), Clock(s), Clock(e))
	}
	return fmt.Sprintf("du %s au %s", Date(s), Date(e))
}

// SpanAfterDu is Span after "Session", "Inscription à la session"…: "du mardi 3 février 2026, 9 h – 12 h" for one
// day, "du lundi 2 février 2026 au mardi 3 février 2026" for several (never "du du").
func SpanAfterDu(start, end time.Time) string {
	sp := Span(start, end)
	if strings.HasPrefix(sp, "du ") {
		return sp
	}
	return "du " + sp
}

// Schedule is Span with the hours of every day, for what tells an agent when to come (mails): one day as Span;
// several days "du lundi 2 février 2026 au mercredi 4 février 2026, de 9 h 30 à 17 h chaque jour" (a session
// over several days runs each day from its start time to its end time, as its calendar events say).
func Schedule(start, end time.Time) string {
	sp := Span(start, end)
	if !strings.HasPrefix(sp, "du ") {
		return sp
	}
	return sp + ", de " + Clock(start) + " à " + Clock(end) + " chaque jour"
}

// UpcomingSession is a session with the module it belongs to, for lists across modules.
type UpcomingSession struct {
	Session
	Module Ref
	Format string
}

// KeyFigures are the home page's figures, computed from the database.
type KeyFigures struct {
	Domains            int
	Modules            int
	Tracks             int
	TailoredProgrammes int
	Partners           int
	UpcomingSessions   int
	SeatsAvailable     int
	ProgrammeAgents    int
}

// SitemapEntry is a page of the catalogue for the site map.
type SitemapEntry struct {
	Kind    string // "domaine", "parcours", "programme", "module", "partenaire"
	Slug    string
	Title   string
	Group   string    // the domain title ("" for partners)
	LastMod time.Time // the latest change of the page's content
}

// Path is the entry's page.
func (e SitemapEntry) Path() string {
	switch e.Kind {
	case "domaine":
		return "/domaines/" + e.Slug
	case "parcours":
		return "/parcours/" + e.Slug
	case "programme":
		return "/programmes-sur-mesure/" + e.Slug
	case "partenaire":
		return "/partenaires/" + e.Slug
	}
	return "/modules/" + e.Slug
}

// What a domain page and a partner page list at most; the rest is one link away, in the catalogue search.
const (
	DomainPageModules  = 24
	DomainPageTracks   = 12
	PartnerPageModules = 48
)

// DomainPage is a domain with its first modules and tracks (Domain.ModuleCount and TrackCount count them all).
type DomainPage struct {
	Domain  Domain
	Tracks  []TrackCard
	Modules []ModuleCard
}

// PartnerPage is a partner with the modules it delivers.
type PartnerPage struct {
	Partner Partner
	Modules []ModuleCard
}
