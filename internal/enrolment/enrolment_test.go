package enrolment_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
)

func TestTransitions(t *testing.T) {
	allowed := map[[2]string]bool{
		{enrolment.Pending, enrolment.Confirmed}:    true,
		{enrolment.Pending, enrolment.Waitlisted}:   true,
		{enrolment.Pending, enrolment.Cancelled}:    true,
		{enrolment.Waitlisted, enrolment.Confirmed}: true,
		{enrolment.Waitlisted, enrolment.Cancelled}: true,
		{enrolment.Confirmed, enrolment.Cancelled}:  true,
		{enrolment.Confirmed, enrolment.Attended}:   true,
		{enrolment.Confirmed, enrolment.NoShow}:     true,
		{enrolment.Confirmed, enrolment.Completed}:  true,
		{enrolment.Attended, enrolment.NoShow}:      true,
		{enrolment.NoShow, enrolment.Attended}:      true,
		{enrolment.Completed, enrolment.Confirmed}:  true,
		// Line-manager approval: a seat held until the manager decides.
		{enrolment.Pending, enrolment.Held}:    true,
		{enrolment.Waitlisted, enrolment.Held}: true,
		{enrolment.Held, enrolment.Confirmed}:  true,
		{enrolment.Held, enrolment.Cancelled}:  true,
	}
	for _, from := range enrolment.Statuses {
		for _, to := range enrolment.Statuses {
			want := allowed[[2]string{from, to}]
			if got := enrolment.CanTransition(from, to); got != want {
				t.Errorf("%s → %s: %v, want %v", from, to, got, want)
			}
			err := enrolment.Transition(from, to)
			if (err == nil) != want {
				t.Errorf("Transition(%s, %s) = %v", from, to, err)
			}
			if err != nil && (!errors.Is(err, apperr.ErrConflict) || !strings.Contains(err.Error(), enrolment.StatusLabel(to))) {
				t.Errorf("refusal %q is not a conflict naming the statuses", err)
			}
		}
		if enrolment.StatusLabel(from) == from {
			t.Errorf("status %s has no French label", from)
		}
	}
	// A cancelled enrolment is final: a new one is made instead.
	for _, to := range enrolment.Statuses {
		if enrolment.CanTransition(enrolment.Cancelled, to) {
			t.Errorf("cancelled → %s allowed", to)
		}
	}
}

func session(start time.Time) catalogue.Session {
	return catalogue.Session{ID: 7, StartsAt: start, EndsAt: start.Add(7 * time.Hour), PlaceName: "Campus", City: "Paris", Status: "scheduled", Capacity: 10}
}

func TestCheckCancel(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, catalogue.Paris)
	for _, c := range []struct {
		name   string
		status string
		start  time.Duration // from now; 0: no session
		code   string
	}{
		{"ConfirmedBeforeCutoff", enrolment.Confirmed, 25 * time.Hour, ""},
		{"ConfirmedAtCutoff", enrolment.Confirmed, 24 * time.Hour, ""},
		{"ConfirmedAfterCutoff", enrolment.Confirmed, 23*time.Hour + 59*time.Minute, enrolment.CodeCutoff},
		{"WaitlistedJustBefore", enrolment.Waitlisted, time.Minute, ""},
		{"WaitlistedStarted", enrolment.Waitlisted, -time.Minute, enrolment.CodeSessionStarted},
		{"ConfirmedStarted", enrolment.Confirmed, -time.Hour, enrolment.CodeSessionStarted},
		{"Online", enrolment.Confirmed, 0, ""},
		{"Pending", enrolment.Pending, 0, ""},
		{"Attended", enrolment.Attended, -48 * time.Hour, enrolment.CodeNotCancellable},
		{"Cancelled", enrolment.Cancelled, 48 * time.Hour, enrolment.CodeNotCancellable},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := enrolment.Enrolment{Status: c.status}
			if c.start != 0 {
				e.Session = session(now.Add(c.start))
			}
			err := enrolment.CheckCancel(e, now)
			if c.code == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if c.code != "" && apperr.Code(err) != c.code {
				t.Fatalf("got %v, want refusal %s", err, c.code)
			}
		})
	}
	e := enrolment.Enrolment{Status: enrolment.Confirmed, Session: session(now.Add(3 * time.Hour))}
	if err := enrolment.CheckCancel(e, now); err == nil || !strings.Contains(err.Error(), "jusqu’au 1er mars 2026 à 13\u00a0h") {
		t.Errorf("the cut-off message does not give the deadline: %v", err)
	}
}

func TestCheckModuleOpen(t *testing.T) {
	for _, c := range []struct {
		module, domain, code string
	}{
		{"published", "published", ""},
		{"draft", "published", enrolment.CodeModuleClosed},
		{"archived", "published", enrolment.CodeModuleArchived},
		{"published", "coming", enrolment.CodeDomainComing},
		{"published", "archived", enrolment.CodeModuleClosed},
	} {
		err := enrolment.CheckModuleOpen(enrolment.ModuleRef{Status: c.module, DomainStatus: c.domain, DomainTitle: "Intelligence artificielle"})
		if (c.code == "" && err != nil) || (c.code != "" && apperr.Code(err) != c.code) {
			t.Errorf("module %s in a %s domain: %v, want %q", c.module, c.domain, err, c.code)
		}
	}
	err := enrolment.CheckModuleOpen(enrolment.ModuleRef{Status: "published", DomainStatus: "coming", DomainTitle: "Intelligence artificielle"})
	if !strings.Contains(err.Error(), "« Intelligence artificielle »") {
		t.Errorf("coming-domain message does not name the domain: %v", err)
	}
}

func TestCheckSessionOpenAndCapacity(t *testing.T) {
	now := time.Now()
	if err := enrolment.CheckSessionOpen(session(now.Add(time.Hour)), now); err != nil {
		t.Error(err)
	}
	if err := enrolment.CheckSessionOpen(session(now), now); apperr.Code(err) != enrolment.CodeSessionStarted {
		t.Errorf("a session starting now: %v", err)
	}
	x := session(now.Add(time.Hour))
	x.Status = "cancelled"
	if err := enrolment.CheckSessionOpen(x, now); apperr.Code(err) != enrolment.CodeSessionCancelled {
		t.Errorf("cancelled session: %v", err)
	}
	for _, c := range []struct {
		capacity, taken int
		code            string
	}{{20, 20, ""}, {21, 20, ""}, {19, 20, enrolment.CodeCapacityBelowTaken}, {0, 0, enrolment.CodeCapacityInvalid},
		{enrolment.MaxCapacity + 1, 0, enrolment.CodeCapacityInvalid}} {
		err := enrolment.CheckCapacity(c.capacity, c.taken)
		if (c.code == "" && err != nil) || (c.code != "" && apperr.Code(err) != c.code) {
			t.Errorf("capacity %d with %d taken: %v", c.capacity, c.taken, err)
		}
	}
}

func TestCheckAttendanceAndCompletion(t *testing.T) {
	now := time.Now()
	dated := enrolment.Enrolment{Status: enrolment.Confirmed, Session: session(now.Add(-time.Hour)), Module: enrolment.ModuleRef{Format: catalogue.FormatInPerson}}
	if err := enrolment.CheckAttendance(dated, now); err != nil {
		t.Error(err)
	}
	dated.Session = session(now.Add(time.Hour))
	if apperr.Code(enrolment.CheckAttendance(dated, now)) != enrolment.CodeAttendanceEarly {
		t.Error("attendance before the start")
	}
	dated.Session, dated.Status = session(now.Add(-time.Hour)), enrolment.Waitlisted
	if enrolment.CheckAttendance(dated, now) == nil {
		t.Error("attendance of a waitlisted agent")
	}
	online := enrolment.Enrolment{Status: enrolment.Confirmed, Module: enrolment.ModuleRef{Format: catalogue.FormatOnline}}
	if err := enrolment.CheckCompletion(online, true); err != nil {
		t.Error(err)
	}
	if apperr.Code(enrolment.CheckCompletion(dated, true)) != enrolment.CodeNotOnline {
		t.Error("completion of a session")
	}
	online.Status = enrolment.Cancelled
	if enrolment.CheckCompletion(online, true) == nil {
		t.Error("completion of a cancelled enrolment")
	}
}

func TestGroup(t *testing.T) {
	now := time.Now()
	mod := func(format string, minutes int) enrolment.ModuleRef {
		return enrolment.ModuleRef{Format: format, DurationMinutes: minutes}
	}
	list := []enrolment.Enrolment{
		{ID: 1, Status: enrolment.Confirmed, Session: session(now.Add(72 * time.Hour)), Module: mod("presentiel", 420)},
		{ID: 2, Status: enrolment.Confirmed, Session: session(now.Add(24 * time.Hour)), Module: mod("presentiel", 420)},
		{ID: 3, Status: enrolment.Waitlisted, Position: 2, Session: session(now.Add(48 * time.Hour)), Module: mod("hybride", 210)},
		{ID: 4, Status: enrolment.Pending, Module: mod("presentiel", 60)},
		{ID: 5, Status: enrolment.Confirmed, Module: mod("en_ligne", 90)},
		{ID: 6, Status: enrolment.Attended, Session: session(now.Add(-72 * time.Hour)), Module: mod("presentiel", 420)},
		{ID: 7, Status: enrolment.Completed, Module: mod("en_ligne", 90)},
		{ID: 8, Status: enrolment.Confirmed, Session: session(now.Add(-72 * time.Hour)), Module: mod("presentiel", 420)},
		{ID: 9, Status: enrolment.NoShow, Session: session(now.Add(-96 * time.Hour)), Module: mod("presentiel", 420)},
		{ID: 10, Status: enrolment.Cancelled, Module: mod("en_ligne", 90)},
		// A session under way is still upcoming until it ends.
		{ID: 11, Status: enrolment.Confirmed, Session: session(now.Add(-time.Hour)), Module: mod("presentiel", 420)},
	}
	g := enrolment.Group(list, now)
	ids := func(es []enrolment.Enrolment) (out []int64) {
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	for name, c := range map[string]struct {
		got  []int64
		want []int64
	}{
		"upcoming (soonest first)": {ids(g.Upcoming), []int64{11, 2, 1}},
		"waitlisted":               {ids(g.Waitlisted), []int64{3}},
		"to schedule":              {ids(g.ToSchedule), []int64{4}},
		"online":                   {ids(g.Online), []int64{5}},
		"completed":                {ids(g.Completed), []int64{6, 7}},
		"past":                     {ids(g.Past), []int64{8, 9}},
		"cancelled":                {ids(g.Cancelled), []int64{10}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %v, want %v", name, c.got, c.want)
		}
	}
	// A track's modules, listed newest first by the repository, come back in the track's order, tracks first.
	track := func(title string) catalogue.Ref { return catalogue.Ref{Title: title} }
	g = enrolment.Group([]enrolment.Enrolment{
		{ID: 30, Status: enrolment.Pending, Module: mod("presentiel", 60)},
		{ID: 24, Status: enrolment.Pending, Track: track("Données"), Module: mod("presentiel", 60)},
		{ID: 22, Status: enrolment.Pending, Track: track("Données"), Module: mod("presentiel", 60)},
		{ID: 21, Status: enrolment.Pending, Track: track("Cyber"), Module: mod("presentiel", 60)},
		{ID: 20, Status: enrolment.Pending, Track: track("Données"), Module: mod("presentiel", 60)},
	}, now)
	if got, want := ids(g.ToSchedule), []int64{21, 20, 22, 24, 30}; !slices.Equal(got, want) {
		t.Errorf("to schedule: %v, want %v", got, want)
	}
	if g := enrolment.Group(list, now); g.MinutesFollowed != 420+90 {
		t.Errorf("minutes followed %d, want 510", g.MinutesFollowed)
	}
}

func TestMailer(t *testing.T) {
	m := enrolment.Mailer{BaseURL: "https://campus.example.gouv.fr/"}
	start := time.Date(2026, 3, 3, 9, 30, 0, 0, catalogue.Paris)
	e := enrolment.Enrolment{ID: 42, Status: enrolment.Confirmed, Position: 3,
		Person:  enrolment.Person{Email: "camille@exemple.gouv.fr", GivenName: "Camille", UsualName: "Martin"},
		Module:  enrolment.ModuleRef{Slug: "rgaa", Title: "Auditer avec le RGAA", Format: "presentiel", ExternalURL: "https://x.example"},
		Session: catalogue.Session{ID: 1, StartsAt: start, EndsAt: start.Add(7 * time.Hour), PlaceName: "Campus", Address: "20 avenue de Ségur", City: "Paris"}}
	for kind, want := range map[string][]string{
		enrolment.KindConfirmed:        {"est confirmée", "mardi 3 mars 2026, 9\u00a0h\u00a030 – 16\u00a0h\u00a030", "https://campus.example.gouv.fr/mes-formations/42/calendrier.ics", "avant le 2 mars 2026 à 9\u00a0h\u00a030"},
		enrolment.KindWaitlisted:       {"liste d’attente, en position 3", "https://campus.example.gouv.fr/modules/rgaa"},
		enrolment.KindPromoted:         {"Une place s’est libérée", "calendrier.ics"},
		enrolment.KindCancelled:        {"désinscription", "https://campus.example.gouv.fr/modules/rgaa"},
		enrolment.KindSessionCancelled: {"est annulée", "Choisissez une autre session"},
		enrolment.KindReminder:         {"approche", "20 avenue de Ségur"},
	} {
		msg := m.Message(enrolment.Notice{Kind: kind, Enrolment: e})
		if msg.Kind != kind || msg.To != e.Person.Email || !strings.Contains(msg.Subject, e.Module.Title) || !strings.HasPrefix(msg.Body, "Bonjour Camille Martin,") {
			t.Errorf("%s: %+v", kind, msg)
		}
		for _, w := range want {
			if !strings.Contains(msg.Body, w) {
				t.Errorf("%s: body lacks %q:\n%s", kind, w, msg.Body)
			}
		}
		if strings.Contains(msg.Body, "https://campus.example.gouv.fr//") {
			t.Errorf("%s: double slash in a link", kind)
		}
	}
	online := e
	online.Session = catalogue.Session{}
	if msg := m.Message(enrolment.Notice{Kind: enrolment.KindOnline, Enrolment: online}); !strings.Contains(msg.Body, "https://x.example") {
		t.Errorf("online mail lacks the partner's link: %s", msg.Body)
	}
	track := m.Message(enrolment.Notice{Kind: enrolment.KindTrack, Enrolment: e, Track: enrolment.TrackOutcome{
		Track: catalogue.Ref{Title: "Accessibilité"}, Online: []enrolment.ModuleRef{{Title: "En ligne"}},
		ToSchedule: []enrolment.ModuleRef{{Title: "En salle", Slug: "en-salle"}}}})
	if !strings.Contains(track.Body, "- En ligne") || !strings.Contains(track.Body, "- En salle : https://campus.example.gouv.fr/modules/en-salle") {
		t.Errorf("track mail: %s", track.Body)
	}
}
