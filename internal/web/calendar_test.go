package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"campus/internal/account"
	"campus/internal/catalogue"
	"campus/internal/testdb"
)

func parseICS(t *testing.T, p page) *ics.Calendar {
	t.Helper()
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("calendar: %d %s", p.status, p.header.Get("Content-Type"))
	}
	for _, line := range strings.Split(p.body, "\r\n") {
		if len(line) > 75 {
			t.Fatalf("line longer than 75 octets (RFC 5545 §3.1): %q", line)
		}
	}
	cal, err := ics.ParseCalendar(strings.NewReader(p.body))
	if err != nil {
		t.Fatalf("the calendar does not parse: %v\n%s", err, p.body)
	}
	return cal
}

func prop(e *ics.VEvent, name ics.ComponentProperty) string {
	if p := e.GetProperty(name); p != nil {
		return p.Value
	}
	return ""
}

// TestCalendar_EnrolmentFile: the .ics of an enrolment parses back with a calendar library: a stable UID, DTSTART
// and DTEND in Europe/Paris with its VTIMEZONE, LOCATION, URL; after a cancellation the same UID says
// STATUS:CANCELLED with a higher SEQUENCE.
func TestCalendar_EnrolmentFile(t *testing.T) {
	t.Parallel()
	// A session across the change to summer time would be odd; any date works as long as times read back right.
	e := newEnrolled(t, "presentiel", 15*24*time.Hour)
	path := fmt.Sprintf("/mes-formations/%d/calendrier.ics", e.id)

	p := e.b.get(path)
	if cd := p.header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, ".ics") {
		t.Fatalf("Content-Disposition %q", cd)
	}
	cal := parseICS(t, p)
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
	ev := events[0]
	uid := ev.Id()
	if uid != fmt.Sprintf("inscription-%d@campus.example.gouv.fr", e.id) {
		t.Fatalf("UID %q", uid)
	}
	if tz := cal.Timezones(); len(tz) != 1 || tz[0].GetProperty(ics.ComponentPropertyTzid).Value != "Europe/Paris" || len(tz[0].Components) != 2 {
		t.Fatal("no VTIMEZONE Europe/Paris with its daylight and standard rules")
	}
	start := ev.GetProperty(ics.ComponentPropertyDtStart)
	if start == nil || len(start.ICalParameters["TZID"]) != 1 || start.ICalParameters["TZID"][0] != "Europe/Paris" {
		t.Fatalf("DTSTART without TZID=Europe/Paris: %+v", start)
	}
	var startsAt, endsAt time.Time
	testdb.Row(t, e.store, `SELECT starts_at, ends_at FROM module_sessions WHERE id = $1`, e.sess).Scan(&startsAt, &endsAt)
	gotStart, err := ev.GetStartAt()
	if err != nil || !gotStart.Equal(startsAt) || gotStart.Location().String() != "Europe/Paris" {
		t.Fatalf("DTSTART %v (%v), want %v", gotStart, err, startsAt)
	}
	if start.Value != startsAt.In(catalogue.Paris).Format("20060102T150405") {
		t.Fatalf("DTSTART is not the local time in Paris: %s", start.Value)
	}
	if gotEnd, err := ev.GetEndAt(); err != nil || !gotEnd.Equal(endsAt) {
		t.Fatalf("DTEND %v (%v), want %v", gotEnd, err, endsAt)
	}
	if loc := prop(ev, ics.ComponentPropertyLocation); loc != "Station F, 5 parvis Alan Turing, Paris" {
		t.Fatalf("LOCATION %q", loc)
	}
	if u := prop(ev, ics.ComponentPropertyUrl); u != testBase+"/modules/"+e.m.slug {
		t.Fatalf("URL %q", u)
	}
	if st := prop(ev, ics.ComponentPropertyStatus); st != "CONFIRMED" {
		t.Fatalf("STATUS %q", st)
	}
	if !strings.Contains(prop(ev, ics.ComponentPropertySummary), e.m.title) {
		t.Fatalf("SUMMARY %q", prop(ev, ics.ComponentPropertySummary))
	}
	seq := prop(ev, ics.ComponentPropertySequence)

	// The same UID every time.
	if again := parseICS(t, e.b.get(path)).Events()[0].Id(); again != uid {
		t.Fatalf("UID changed: %q then %q", uid, again)
	}
	// Cancelled: STATUS:CANCELLED, same UID, higher SEQUENCE.
	e.b.post(fmt.Sprintf("/mes-formations/%d/annulation", e.id), url.Values{})
	ev = parseICS(t, e.b.get(path)).Events()[0]
	if ev.Id() != uid || prop(ev, ics.ComponentPropertyStatus) != "CANCELLED" || prop(ev, ics.ComponentPropertySequence) <= seq {
		t.Fatalf("after cancellation: UID %q STATUS %q SEQUENCE %q (was %q)", ev.Id(), prop(ev, ics.ComponentPropertyStatus),
			prop(ev, ics.ComponentPropertySequence), seq)
	}
}

// TestCalendar_Feed: the private feed link is shown once, serves the agent's sessions without cookies (same
// UIDs as the files), and stops working when regenerated or revoked.
func TestCalendar_Feed(t *testing.T) {
	t.Parallel()
	e := newEnrolled(t, "hybride", 8*24*time.Hour)

	if e.b.get("/mes-formations").doc.Find("#lien-agenda").Length() != 0 {
		t.Fatal("a feed link is shown before one was made")
	}
	newLink := func() string {
		p := e.b.post("/mes-formations/calendrier", url.Values{})
		expectRedirect(t, p, http.StatusSeeOther, "/mes-formations#abonnement")
		link, _ := e.b.follow(p).doc.Find("#lien-agenda").Attr("value")
		if !strings.HasPrefix(link, testBase+"/calendrier/") || !strings.HasSuffix(link, ".ics") {
			t.Fatalf("feed link %q", link)
		}
		if e.b.get("/mes-formations").doc.Find("#lien-agenda").Length() != 0 {
			t.Fatal("the feed link is shown a second time")
		}
		return strings.TrimPrefix(link, testBase)
	}
	first := newLink()
	token := strings.TrimSuffix(strings.TrimPrefix(first, "/calendrier/"), ".ics")
	if n := testdb.Int(t, e.store, `SELECT count(*) FROM calendar_feeds WHERE user_id = $1 AND token_hash = $2`, e.u.ID, account.HashToken(token)); n != 1 {
		t.Fatal("the feed is not stored as the hash of its token")
	}
	anonymous := newBrowser(t, e.srv)
	cal := parseICS(t, anonymous.get(first))
	if evs := cal.Events(); len(evs) != 1 || evs[0].Id() != fmt.Sprintf("inscription-%d@campus.example.gouv.fr", e.id) {
		t.Fatalf("feed events: %d", len(evs))
	}
	second := newLink()
	if p := anonymous.get(first); p.status != http.StatusNotFound {
		t.Fatalf("old link after regeneration: %d", p.status)
	}
	parseICS(t, anonymous.get(second))
	expectRedirect(t, e.b.post("/mes-formations/calendrier/suppression", url.Values{}), http.StatusSeeOther, "/mes-formations#abonnement")
	if p := anonymous.get(second); p.status != http.StatusNotFound {
		t.Fatalf("revoked link: %d", p.status)
	}
	if p := anonymous.get("/calendrier/pas-un-jeton.ics"); p.status != http.StatusNotFound {
		t.Fatalf("garbage token: %d", p.status)
	}
}
