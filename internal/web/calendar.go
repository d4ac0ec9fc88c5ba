package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/go-chi/chi/v5"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/templates"
)

// Calendar files (RFC 5545) written with golang-ical, which folds and escapes lines: one event per enrolment in
// a dated session, with a UID stable for the enrolment's life, local times in Europe/Paris (TZID and its
// VTIMEZONE), LOCATION, URL and ORGANIZER (the Campus's sender); a session over several days is one event per
// day (addEvent); a cancelled enrolment (or session) publishes STATUS:CANCELLED with a higher
// SEQUENCE so that calendars that imported it update it.

const parisTZ = "Europe/Paris"

// newCalendar starts a calendar with the Europe/Paris time zone (the EU rules in force since 1996).
func newCalendar(name string) *ics.Calendar {
	cal := ics.NewCalendarFor("Campus du numérique public")
	cal.SetProductId("-//DINUM//Campus du numérique public//FR")
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	cal.SetXWRCalName(name)
	cal.SetXWRTimezone(parisTZ)
	tz := cal.AddTimezone(parisTZ)
	daylight := &ics.Daylight{}
	daylight.AddProperty("TZOFFSETFROM", "+0100")
	daylight.AddProperty("TZOFFSETTO", "+0200")
	daylight.AddProperty("TZNAME", "CEST")
	daylight.AddProperty(ics.ComponentPropertyDtStart, "19700329T020000")
	daylight.AddProperty(ics.ComponentPropertyRrule, "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
	standard := tz.AddStandard()
	standard.AddProperty("TZOFFSETFROM", "+0200")
	standard.AddProperty("TZOFFSETTO", "+0100")
	standard.AddProperty("TZNAME", "CET")
	standard.AddProperty(ics.ComponentPropertyDtStart, "19701025T030000")
	standard.AddProperty(ics.ComponentPropertyRrule, "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
	tz.Components = append([]ics.Component{daylight}, tz.Components...)
	return cal
}

// eventUID is the enrolment's event identifier: the same in the single file and in the feed, for its whole life.
func (s *Server) eventUID(e enrolment.Enrolment) string {
	return fmt.Sprintf("inscription-%d@%s", e.ID, s.cfg.BaseURL.Hostname())
}

func parisLocal(t time.Time) string { return t.In(catalogue.Paris).Format("20060102T150405") }

// sessionDays splits a session into the days it is given: each day from the session's start time to its end
// time (Paris local time), from the first day to the last. A session within one day, or whose end time is not
// after its start time (an odd schedule that the back-office allows), is one span from start to end.
func sessionDays(start, end time.Time) [][2]time.Time {
	s, e := start.In(catalogue.Paris), end.In(catalogue.Paris)
	first := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, catalogue.Paris)
	last := time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, catalogue.Paris)
	clock := func(day, t time.Time) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), t.Second(), 0, catalogue.Paris)
	}
	if !last.After(first) || !clock(first, e).After(s) {
		return [][2]time.Time{{start, end}}
	}
	var out [][2]time.Time
	for day := first; !day.After(last); day = day.AddDate(0, 0, 1) {
		out = append(out, [2]time.Time{clock(day, s), clock(day, e)})
	}
	return out
}

// organizer is the Campus's sender, the ORGANIZER of every event (RFC 5546 requires one with METHOD:PUBLISH).
func (s *Server) organizer() (name, address string) {
	name, address = templates.SiteName, "ne-pas-repondre@"+s.cfg.BaseURL.Hostname()
	if a, err := mail.ParseAddress(s.cfg.MailFrom); err == nil {
		address = a.Address
		if a.Name != "" {
			name = a.Name
		}
	}
	return name, address
}

// addEvent adds the events of an enrolment in a dated session: one VEVENT for a session within a day; for a
// session over several days, one VEVENT per day under the enrolment's one UID: the first day carries
// RRULE:FREQ=DAILY;COUNT=n (a calendar that expands recurrences gets n daytime occurrences and no nights), and
// each following day is written out as its own VEVENT with its RECURRENCE-ID (a reader that does not expand
// sees every day too). The series shares SEQUENCE and LAST-MODIFIED, so a moved or cancelled session replaces
// the whole series in calendars that imported it, whatever its new number of days.
func (s *Server) addEvent(cal *ics.Calendar, e enrolment.Enrolment, now time.Time) {
	days := sessionDays(e.Session.StartsAt, e.Session.EndsAt)
	for i, day := range days {
		ev := cal.AddEvent(s.eventUID(e))
		if i > 0 {
			ev.SetProperty(ics.ComponentPropertyRecurrenceId, parisLocal(day[0]), ics.WithTZID(parisTZ))
		}
		s.fillEvent(ev, e, day[0], day[1], now)
		if i == 0 && len(days) > 1 {
			ev.AddRrule(fmt.Sprintf("FREQ=DAILY;COUNT=%d", len(days)))
		}
	}
}

// fillEvent writes what every event of an enrolment says, for the span [start, end).
func (s *Server) fillEvent(ev *ics.VEvent, e enrolment.Enrolment, start, end, now time.Time) {
	base := s.baseURL()
	ev.SetDtStampTime(now)
	ev.SetCreatedTime(e.CreatedAt)
	ev.SetModifiedAt(e.UpdatedAt)
	ev.SetSequence(e.Version - 1)
	ev.SetProperty(ics.ComponentPropertyDtStart, parisLocal(start), ics.WithTZID(parisTZ))
	ev.SetProperty(ics.ComponentPropertyDtEnd, parisLocal(end), ics.WithTZID(parisTZ))
	name, address := s.organizer()
	ev.SetOrganizer("mailto:"+address, ics.WithCN(name))
	summary := e.Module.Title + " – Campus du numérique public"
	status := ics.ObjectStatusConfirmed
	switch {
	case e.Status == enrolment.Cancelled || e.Session.Status == "cancelled":
		status = ics.ObjectStatusCancelled
		summary = "Annulé : " + summary
	case e.Status == enrolment.Waitlisted:
		status = ics.ObjectStatusTentative
		summary = "Liste d’attente : " + summary
	case e.Status == enrolment.Held:
		status = ics.ObjectStatusTentative
		summary = "En attente d’accord : " + summary
	}
	ev.SetSummary(summary)
	ev.SetStatus(status)
	x := e.Session
	if x.Virtual() {
		ev.SetLocation("Classe virtuelle : " + x.VirtualURL)
	} else {
		ev.SetLocation(strings.Join(icsParts(x.PlaceName, x.Address, x.City), ", "))
	}
	ev.SetURL(base + e.Module.Href())
	desc := []string{"Formation du Campus du numérique public : " + e.Module.Title + ".",
		"Statut de votre inscription : " + enrolment.StatusLabel(e.Status) + "."}
	if x.VirtualURL != "" {
		desc = append(desc, "Classe virtuelle : "+x.VirtualURL)
	}
	desc = append(desc, "Mes formations : "+base+"/mes-formations")
	ev.SetDescription(strings.Join(desc, "\n"))
	ev.SetTimeTransparency(ics.TransparencyOpaque)
}

func icsParts(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func writeCalendar(w http.ResponseWriter, cal *ics.Calendar, filename string) {
	var buf bytes.Buffer
	cal.SerializeTo(&buf, ics.WithNewLineWindows) // RFC 5545: CRLF line ends, folded at 75 octets
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	if filename != "" {
		h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	}
	w.Write(buf.Bytes())
}

// enrolmentICS is the calendar file of one enrolment, for its owner or an admin.
func (s *Server) enrolmentICS(w http.ResponseWriter, r *http.Request) {
	e, err := s.ownEnrolment(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !e.HasCalendar() {
		s.fail(w, r, apperr.ErrNotFound)
		return
	}
	cal := newCalendar(e.Module.Title)
	s.addEvent(cal, e, time.Now())
	writeCalendar(w, cal, fmt.Sprintf("formation-%d.ics", e.ID))
}

// calendarFeed is the private feed of an agent's sessions: the token of its URL is the only credential, so an
// unknown, revoked or malformed token answers 404.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	if !account.PlausibleToken(token) {
		s.fail(w, r, apperr.ErrNotFound)
		return
	}
	_, list, err := s.store.CalendarFeed(r.Context(), account.HashToken(token))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cal := newCalendar("Mes formations – Campus du numérique public")
	cal.SetRefreshInterval("PT6H")
	cal.SetXPublishedTTL("PT6H")
	now := time.Now()
	for _, e := range list {
		s.addEvent(cal, e, now)
	}
	writeCalendar(w, cal, "")
}
