// Package enrolment holds the rules of enrolments: the statuses and their explicit transitions, who may enrol in
// what and when, the cancellation cut-off, the waitlist, attendance and completion, and what "Mes formations"
// shows. No HTTP, no SQL: the repository (internal/postgres) applies these rules inside its transactions.
package enrolment

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"campus/internal/catalogue"
)

// Statuses of an enrolment.
const (
	// Pending: enrolled in a dated module through a track, no session chosen yet ("à planifier").
	Pending = "pending"
	// Confirmed: a seat in the session is held, or the online module is open to the agent.
	Confirmed = "confirmed"
	// Waitlisted: the session was full; served in order of arrival when a seat frees up.
	Waitlisted = "waitlisted"
	// Cancelled: by the agent, by an admin, or with the session.
	Cancelled = "cancelled"
	// Attended / NoShow: marked by an admin once the session has started.
	Attended = "attended"
	NoShow   = "no_show"
	// Completed: an online module the agent finished (marked by an admin).
	Completed = "completed"
	// Held: a seat in a session that requires the line manager's approval, held until the manager approves
	// (confirmed), refuses or lets the hold expire (cancelled, the seat going to the waitlist). See approval.go.
	Held = "held"
)

// Reasons of a cancellation.
const (
	ReasonAgent            = "agent"
	ReasonSessionCancelled = "session_cancelled"
	ReasonAdmin            = "admin"
	ReasonSwitched         = "switched" // the agent left a waitlist for another session of the module
	ReasonRefused          = "refused"  // the line manager refused
	ReasonExpired          = "expired"  // the line manager did not answer before the hold expired
)

// Statuses lists every status.
var Statuses = []string{Pending, Confirmed, Waitlisted, Held, Cancelled, Attended, NoShow, Completed}

// transitions are the only status changes the portal makes.
var transitions = map[string][]string{
	Pending:    {Confirmed, Waitlisted, Held, Cancelled},
	Waitlisted: {Confirmed, Held, Cancelled},
	Held:       {Confirmed, Cancelled}, // approved; refused, expired or withdrawn
	Confirmed:  {Cancelled, Attended, NoShow, Completed},
	Attended:   {NoShow},    // correction of the attendance
	NoShow:     {Attended},  // correction of the attendance
	Completed:  {Confirmed}, // completion withdrawn
	Cancelled:  {},
}

// CanTransition reports whether an enrolment may go from one status to another.
func CanTransition(from, to string) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Transition returns nil when from → to is allowed, otherwise ErrTransition naming both statuses in French.
func Transition(from, to string) error {
	if CanTransition(from, to) {
		return nil
	}
	return ErrTransition.With(StatusLabel(from), StatusLabel(to))
}

// Active reports whether the status still commits the agent (one active enrolment per agent and module).
func Active(status string) bool {
	return status == Pending || status == Confirmed || status == Waitlisted || status == Held
}

// HoldsSeat reports whether an enrolment in a session counts in its seats taken.
func HoldsSeat(status string) bool {
	return status == Confirmed || status == Held || status == Attended || status == NoShow
}

// Followed reports whether the training counts as followed (hours, attestation).
func Followed(status string) bool { return status == Attended || status == Completed }

// StatusLabel is the French label of a status.
func StatusLabel(s string) string {
	switch s {
	case Pending:
		return "À planifier"
	case Confirmed:
		return "Confirmée"
	case Waitlisted:
		return "En liste d’attente"
	case Held:
		return "En attente de l’accord du responsable"
	case Cancelled:
		return "Annulée"
	case Attended:
		return "Présent·e"
	case NoShow:
		return "Absent·e"
	case Completed:
		return "Terminée"
	}
	return s
}

// Time rules.
const (
	// CancelCutoff: an agent may cancel a confirmed seat online until this long before the start.
	CancelCutoff = 24 * time.Hour
	// ReminderLead: the reminder mail is sent this long before the start.
	ReminderLead = 48 * time.Hour
	// MaxCapacity bounds the capacity of a session.
	MaxCapacity = 10000
)

// CancelDeadline is the last moment an agent may cancel a confirmed seat in a session starting at start.
func CancelDeadline(start time.Time) time.Time { return start.Add(-CancelCutoff) }

// Refusal codes: what rule said no (the refusals themselves are declared in refusals.go).
const (
	CodeNotVerified        = "not_verified"
	CodeDomainComing       = "domain_coming"
	CodeModuleClosed       = "module_closed"
	CodeModuleArchived     = "module_archived"
	CodeSessionRequired    = "session_required"
	CodeSessionUnknown     = "session_unknown"
	CodeSessionStarted     = "session_started"
	CodeSessionCancelled   = "session_cancelled"
	CodeNotDated           = "not_dated"
	CodeDated              = "dated"
	CodeOtherSession       = "other_session"
	CodeAlreadyFollowing   = "already_following"
	CodeCutoff             = "cutoff"
	CodeNotCancellable     = "not_cancellable"
	CodeCapacityInvalid    = "capacity_invalid"
	CodeCapacityBelowTaken = "capacity_below_taken"
	CodeSessionEnded       = "session_ended"
	CodeAttendanceEarly    = "attendance_early"
	CodeNotASession        = "not_a_session"
	CodeNotOnline          = "not_online"
	CodeTransition         = "transition"
	CodeTrackTailored      = "track_tailored"
	CodeTrackClosed        = "track_closed"
	CodeTrackNothingNew    = "track_nothing_new"
)

// ModuleRef is what an enrolment shows of its module.
type ModuleRef struct {
	ID              int64
	Slug            string
	Title           string
	Format          string
	DurationMinutes int
	ExternalURL     string
	Partner         string
	Status          string
	DomainStatus    string
	DomainTitle     string
}

// Dated reports whether the module is given in dated sessions.
func (m ModuleRef) Dated() bool { return m.Format != catalogue.FormatOnline }

// Href is the module's page.
func (m ModuleRef) Href() string { return "/modules/" + m.Slug }

// CheckModuleOpen says whether agents may enrol in the module now: published, in a published domain (not one
// announced as coming).
func CheckModuleOpen(m ModuleRef) error {
	switch {
	case m.Status == catalogue.StatusArchived:
		return ErrModuleArchived
	case m.Status != catalogue.StatusPublished:
		return ErrModuleUnpublished
	case m.DomainStatus == catalogue.StatusComing:
		return ErrDomainComing.With(m.DomainTitle)
	case m.DomainStatus != catalogue.StatusPublished:
		return ErrModuleClosed
	}
	return nil
}

// CheckSessionOpen says whether agents may join a session (or its waitlist) at now.
func CheckSessionOpen(s catalogue.Session, now time.Time) error {
	switch {
	case s.Status == "cancelled":
		return ErrSessionCancelled
	case !s.StartsAt.After(now):
		return ErrSessionStarted
	}
	return nil
}

// MayEnrol says whether the person may enrol at all: the mails of the enrolment go to a confirmed address.
func MayEnrol(emailVerified bool) error {
	if !emailVerified {
		return ErrNotVerified
	}
	return nil
}

// CheckCancel says whether the agent may cancel their enrolment at now.
func CheckCancel(e Enrolment, now time.Time) error {
	if !Active(e.Status) {
		return ErrNotCancellable.With(StatusLabel(e.Status))
	}
	if e.HasSession() && !e.Session.StartsAt.After(now) {
		return ErrCancelStarted
	}
	if e.Status == Confirmed && e.HasSession() && now.After(CancelDeadline(e.Session.StartsAt)) {
		return ErrCutoff.With(catalogue.ShortDate(CancelDeadline(e.Session.StartsAt)) + " à " + catalogue.Clock(CancelDeadline(e.Session.StartsAt)))
	}
	return nil
}

// CheckCapacity says whether a session's capacity may become capacity while taken seats are held.
func CheckCapacity(capacity, taken int) error {
	if capacity < 1 || capacity > MaxCapacity {
		return ErrCapacityInvalid.With(MaxCapacity)
	}
	if capacity < taken {
		return ErrCapacityBelowTaken.With(capacity, taken, taken)
	}
	return nil
}

// CheckAttendance says whether the attendance of an enrolment may be marked at now.
func CheckAttendance(e Enrolment, now time.Time) error {
	if !e.HasSession() {
		return ErrNotASession
	}
	if e.Session.StartsAt.After(now) {
		return ErrAttendanceEarly
	}
	if e.Status != Confirmed && e.Status != Attended && e.Status != NoShow {
		return ErrAttendanceStatus.With(StatusLabel(e.Status))
	}
	return nil
}

// CheckCompletion says whether an enrolment may be marked completed (done) or back to in progress.
func CheckCompletion(e Enrolment, done bool) error {
	if e.HasSession() || e.Module.Dated() {
		return ErrNotOnline
	}
	if done {
		return Transition(e.Status, Completed)
	}
	return Transition(e.Status, Confirmed)
}

// Enrolment is an agent's enrolment with what the pages show of its module and session.
type Enrolment struct {
	ID        int64
	UserID    int64
	Status    string
	Reason    string // of a cancellation
	Position  int    // in the waitlist (1 = next), waitlisted only
	QueueSeq  int64
	Version   int
	Module    ModuleRef
	Session   catalogue.Session // ID 0 when none
	Track     catalogue.Ref     // empty when not through a track
	CreatedAt time.Time
	UpdatedAt time.Time

	ConfirmedAt  *time.Time
	CancelledAt  *time.Time
	AttendanceAt *time.Time
	CompletedAt  *time.Time
	Declared     bool // completed on the agent's word (DeclareCompletion), not marked by an admin

	// The agent, for rosters, attestations and mails.
	Person Person

	// AbsenceReason / AbsenceDeclaredAt: an absence the agent declared (attendance.go).
	AbsenceReason     string
	AbsenceDeclaredAt *time.Time
	// Attendance per slot, when the page loaded it (key → present), and the minutes attended it gives.
	Marks           map[string]bool
	AttendedMinutes *int

	// ManagerEmail: the line manager the agent named (a session that requires approval), when known.
	ManagerEmail string
	// Approval: the latest line-manager approval request of the enrolment, when the page loaded it.
	Approval *Approval
	// Surveys: the kinds of survey answered (survey.go), when the page loaded them.
	Surveys map[string]bool
}

// Person is the agent of an enrolment.
type Person struct {
	Email          string
	GivenName      string
	UsualName      string
	Administration string
}

// Name is "Prénom Nom", or the address when no name is known.
func (p Person) Name() string {
	switch {
	case p.GivenName != "" && p.UsualName != "":
		return p.GivenName + " " + p.UsualName
	case p.GivenName+p.UsualName != "":
		return p.GivenName + p.UsualName
	}
	return p.Email
}

// HasSession reports whether the enrolment is in a dated session.
func (e Enrolment) HasSession() bool { return e.Session.ID != 0 }

// Followed reports whether the training counts as followed (attestation, hours).
func (e Enrolment) Followed() bool { return Followed(e.Status) }

// Cancellable reports whether the agent may cancel it at now.
func (e Enrolment) Cancellable(now time.Time) bool { return CheckCancel(e, now) == nil }

// HasCalendar reports whether the enrolment has a calendar event (a dated session).
func (e Enrolment) HasCalendar() bool { return e.HasSession() }

// Href is the enrolment's row in "Mes formations".
func (e Enrolment) Href() string { return fmt.Sprintf("/mes-formations#inscription-%d", e.ID) }

// Minutes is the time the training lasts: the module's duration.
func (e Enrolment) Minutes() int {
	if e.AttendedMinutes != nil {
		return *e.AttendedMinutes
	}
	return e.Module.DurationMinutes
}

// WithMarks sets the enrolment's attendance per slot and the minutes it gives (when any slot is marked).
func (e *Enrolment) WithMarks(marks map[string]bool) {
	e.Marks = marks
	if len(marks) == 0 || !e.HasSession() {
		return
	}
	slots := Slots(e.Session)
	present := 0
	for _, s := range slots {
		if marks[s.Key()] {
			present++
		}
	}
	m := MinutesAttended(e.Module.DurationMinutes, len(slots), present)
	e.AttendedMinutes = &m
}

// MyTrainings is "Mes formations": an agent's enrolments by what they mean to them now.
type MyTrainings struct {
	Upcoming   []Enrolment // confirmed seats in sessions not ended yet
	Held       []Enrolment // seats held for the line manager's approval
	Waitlisted []Enrolment // with their position
	ToSchedule []Enrolment // dated modules of a track, no session chosen yet
	Online     []Enrolment // self-paced online modules in progress
	Past       []Enrolment // sessions ended without attendance (not marked yet, or absent)
	Completed  []Enrolment // attended or completed: attestation available
	Cancelled  []Enrolment
	// MinutesFollowed totals the durations of the completed trainings.
	MinutesFollowed int
}

// Group sorts an agent's enrolments (as listed by the repository, newest first) into "Mes formations".
func Group(all []Enrolment, now time.Time) MyTrainings {
	var t MyTrainings
	for _, e := range all {
		switch {
		case e.Status == Pending:
			t.ToSchedule = append(t.ToSchedule, e)
		case e.Status == Waitlisted:
			t.Waitlisted = append(t.Waitlisted, e)
		case e.Status == Held:
			t.Held = append(t.Held, e)
		case e.Status == Cancelled:
			t.Cancelled = append(t.Cancelled, e)
		case e.Followed():
			t.Completed = append(t.Completed, e)
			t.MinutesFollowed += e.Minutes()
		case e.Status == Confirmed && !e.HasSession():
			t.Online = append(t.Online, e)
		case e.Status == Confirmed && e.Session.EndsAt.After(now):
			t.Upcoming = append(t.Upcoming, e)
		default: // confirmed in an ended session, or absent
			t.Past = append(t.Past, e)
		}
	}
	// Upcoming and waitlisted sessions soonest first.
	bySoonest := func(list []Enrolment) {
		for i := 1; i < len(list); i++ {
			for j := i; j > 0 && list[j].Session.StartsAt.Before(list[j-1].Session.StartsAt); j-- {
				list[j], list[j-1] = list[j-1], list[j]
			}
		}
	}
	bySoonest(t.Upcoming)
	bySoonest(t.Waitlisted)
	bySoonest(t.Held)
	// Modules to schedule and online modules in progress: a track's together and in its order (a track's
	// enrolments are made in track order), then the others oldest first.
	inTrackOrder := func(list []Enrolment) {
		slices.SortStableFunc(list, func(a, b Enrolment) int {
			untracked := func(e Enrolment) int {
				if e.Track.Title == "" {
					return 1
				}
				return 0
			}
			if c := cmp.Compare(untracked(a), untracked(b)); c != 0 {
				return c
			}
			if c := strings.Compare(a.Track.Title, b.Track.Title); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
	}
	inTrackOrder(t.ToSchedule)
	inTrackOrder(t.Online)
	return t
}

// Outcome is the result of an enrolment request.
type Outcome struct {
	Enrolment Enrolment
	// Already: the agent was already enrolled this way (a double submit): nothing changed.
	Already bool
	// Left: the waitlisted or pending enrolment of the same module the agent left for this session.
	Left *Enrolment
}

// TrackOutcome is the result of enrolling in a track.
type TrackOutcome struct {
	Track      catalogue.Ref
	Online     []ModuleRef // enrolled at once
	ToSchedule []ModuleRef // dated modules: pick a session
	Already    []ModuleRef // already enrolled (or following)
	Closed     []ModuleRef // not open to enrolment
}

// TrackProgress is where an agent stands in a track: of its Total modules (drafts aside), how many they follow
// now (pending, confirmed or waitlisted) and how many they have done (attended or completed), whether through
// the track or module by module.
type TrackProgress struct {
	Total, Active, Done int
}

// Started reports whether the agent follows or has followed any module of the track.
func (p TrackProgress) Started() bool { return p.Active+p.Done > 0 }

// Open reports whether some module of the track is neither followed nor done: enrolling again adds it.
func (p TrackProgress) Open() bool { return p.Active+p.Done < p.Total }

// Roster is the list of the agents of a session, or of an online module when Session.ID is 0.
type Roster struct {
	Module  ModuleRef
	Session catalogue.Session
	Entries []Enrolment // seat holders first, then the waitlist in order, then cancellations
	Now     time.Time
	// Marks: attendance per slot of a session (enrolment id → slot key → present).
	Marks map[int64]map[string]bool
}

// Counts of a roster.
func (r Roster) Count(status string) int {
	n := 0
	for _, e := range r.Entries {
		if e.Status == status {
			n++
		}
	}
	return n
}

// AttendanceOpen reports whether attendance may be marked (the session has started).
func (r Roster) AttendanceOpen() bool { return r.Session.ID != 0 && !r.Session.StartsAt.After(r.Now) }
