package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	osexec "os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"campus/internal/account"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/testdb"
	"campus/internal/testenv"
)

// icsReader parses a calendar with Debian's python3-icalendar and expands its recurrences with
// python3-recurring-ical-events: what a calendar application would show, read by code that is not ours.
const icsReader = `
import sys, json, datetime, icalendar, recurring_ical_events
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
def s(v):
    if v is None: return ""
    if hasattr(v, "dt"): v = v.dt
    if isinstance(v, datetime.datetime): return v.isoformat()
    return str(v)
events = []
for ev in cal.walk("VEVENT"):
    org = ev.get("ORGANIZER")
    events.append({"uid": s(ev.get("UID")), "recurrence_id": s(ev.get("RECURRENCE-ID")), "start": s(ev.get("DTSTART")),
        "end": s(ev.get("DTEND")), "tzid": ev.get("DTSTART").params.get("TZID", ""), "sequence": int(ev.get("SEQUENCE", 0)),
        "status": s(ev.get("STATUS")), "organizer": s(org), "organizer_cn": org.params.get("CN", "") if org is not None else "",
        "last_modified": s(ev.get("LAST-MODIFIED")), "location": s(ev.get("LOCATION")), "rrule": ev.get("RRULE").to_ical().decode() if ev.get("RRULE") else ""})
now = datetime.datetime.now(datetime.timezone.utc)
occ = [{"start": s(o.get("DTSTART")), "end": s(o.get("DTEND")), "status": s(o.get("STATUS"))}
    for o in recurring_ical_events.of(cal).between(now - datetime.timedelta(days=400), now + datetime.timedelta(days=400))]
occ.sort(key=lambda o: o["start"])
print(json.dumps({"method": s(cal.get("METHOD")), "events": events, "occurrences": occ}))
`

type icsEvent struct {
	UID          string `json:"uid"`
	RecurrenceID string `json:"recurrence_id"`
	Start        string `json:"start"`
	End          string `json:"end"`
	TZID         string `json:"tzid"`
	Sequence     int    `json:"sequence"`
	Status       string `json:"status"`
	Organizer    string `json:"organizer"`
	OrganizerCN  string `json:"organizer_cn"`
	LastModified string `json:"last_modified"`
	Location     string `json:"location"`
	RRule        string `json:"rrule"`
}

type icsRead struct {
	Method      string
	Events      []icsEvent
	Occurrences []struct{ Start, End, Status string }
}

// readICS parses a calendar answer with the Python parser (see icsReader).
func readICS(t *testing.T, p page) icsRead {
	t.Helper()
	parseICS(t, p) // our own checks: status, content type, line lengths, golang-ical parses it
	// Debian's own python3 (the packages install there), not another one first on PATH.
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		python = "python3"
	}
	testenv.Require(t, osexec.Command(python, "-c", "import icalendar, recurring_ical_events").Run() == nil,
		"cannot read the calendar with an independent parser (apt-get install python3-icalendar python3-recurring-ical-events)")
	cmd := osexec.Command(python, "-c", icsReader)
	cmd.Stdin = strings.NewReader(p.body)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*osexec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("python3-icalendar refuses the calendar: %v\n%s\n%s", err, stderr, p.body)
	}
	var r icsRead
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return r
}

var dtstamp = regexp.MustCompile(`(?m)^DTSTAMP:.*\r\n`)

// vevents is the VEVENT blocks of a calendar without their DTSTAMP (the time the file was made).
func vevents(body string) string {
	i, j := strings.Index(body, "BEGIN:VEVENT"), strings.LastIndex(body, "END:VEVENT")
	if i < 0 || j < 0 {
		return ""
	}
	return dtstamp.ReplaceAllString(body[i:j], "")
}

// TestCalendar_MovedMultiDayAndCancelled: an agent enrolled in a three-day session gets, in the single .ics and
// in the private feed alike, three daytime events (9 h 30 – 17 h each day, no night) under one UID, with the
// Campus as ORGANIZER; an admin moves the session through the form: the agent has a mail saying what changed,
// and both calendars carry the new times with a higher SEQUENCE and a later LAST-MODIFIED; the admin cancels it:
// every day says CANCELLED. An online session gives one event whose place is its virtual classroom.
func TestCalendar_MovedMultiDayAndCancelled(t *testing.T) {
	t.Parallel()
	store, srv := enrolPortal(t)
	m := enrolModule(t, store, "presentiel", "published", "published")
	day := time.Now().In(catalogue.Paris).AddDate(0, 0, 20)
	start := time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, catalogue.Paris)
	end := time.Date(day.Year(), day.Month(), day.Day()+2, 17, 0, 0, 0, catalogue.Paris)
	var sess int64
	testdb.Row(t, store, `INSERT INTO module_sessions (ref, module_id, starts_at, ends_at, place_name, address, city, capacity)
		VALUES ($1, $2, $3, $4, 'Station F', '5 parvis Alan Turing', 'Paris', 10) RETURNING id`,
		fmt.Sprintf("trois-jours-%d", time.Now().UnixNano()), m.id, start, end).Scan(&sess)
	b, u, id := enrolThroughPage(t, srv, store, m, sess)
	file := fmt.Sprintf("/mes-formations/%d/calendrier.ics", id)
	p := b.post("/mes-formations/calendrier", url.Values{})
	feed, _ := b.follow(p).doc.Find("#lien-agenda").Attr("value")
	feed = strings.TrimPrefix(feed, testBase)
	anonymous := newBrowser(t, srv)
	uid := fmt.Sprintf("inscription-%d@campus.example.gouv.fr", id)

	// days checks a reading: n VEVENTs under the enrolment's UID, the first with the RRULE, the others with
	// their RECURRENCE-ID, the Campus as ORGANIZER, and n daytime occurrences from `from` to `to` each day.
	days := func(t *testing.T, r icsRead, from, to string, firstDay time.Time, status string) {
		t.Helper()
		if r.Method != "PUBLISH" || len(r.Events) != 3 {
			t.Fatalf("METHOD %q, %d VEVENTs, want PUBLISH and 3", r.Method, len(r.Events))
		}
		for i, e := range r.Events {
			if e.UID != uid || e.TZID != "Europe/Paris" || e.Status != status {
				t.Errorf("VEVENT %d: UID %q TZID %q STATUS %q", i, e.UID, e.TZID, e.Status)
			}
			if e.Organizer != "mailto:ne-pas-repondre@campus.example.gouv.fr" || e.OrganizerCN != "Campus du numérique public" {
				t.Errorf("VEVENT %d: ORGANIZER %q CN %q", i, e.Organizer, e.OrganizerCN)
			}
			if (i == 0) != (e.RRule == "FREQ=DAILY;COUNT=3") || (i == 0) != (e.RecurrenceID == "") {
				t.Errorf("VEVENT %d: RRULE %q RECURRENCE-ID %q", i, e.RRule, e.RecurrenceID)
			}
			if i > 0 && e.RecurrenceID != e.Start {
				t.Errorf("VEVENT %d: RECURRENCE-ID %q is not its day's start %q", i, e.RecurrenceID, e.Start)
			}
			if e.Sequence != r.Events[0].Sequence || e.LastModified != r.Events[0].LastModified {
				t.Errorf("VEVENT %d: SEQUENCE %d / LAST-MODIFIED %q differ from the series' %d / %q", i, e.Sequence, e.LastModified,
					r.Events[0].Sequence, r.Events[0].LastModified)
			}
		}
		if len(r.Occurrences) != 3 {
			t.Fatalf("%d occurrences once expanded, want 3: %+v", len(r.Occurrences), r.Occurrences)
		}
		for i, o := range r.Occurrences {
			d := firstDay.AddDate(0, 0, i).Format("2006-01-02")
			if !strings.HasPrefix(o.Start, d+"T"+from) || !strings.HasPrefix(o.End, d+"T"+to) {
				t.Errorf("occurrence %d: %s – %s, want %s from %s to %s", i, o.Start, o.End, d, from, to)
			}
		}
	}

	fileICS, feedICS := b.get(file), anonymous.get(feed)
	before := readICS(t, fileICS)
	days(t, before, "09:30", "17:00", start, "CONFIRMED")
	days(t, readICS(t, feedICS), "09:30", "17:00", start, "CONFIRMED")
	if vevents(fileICS.body) != vevents(feedICS.body) {
		t.Fatalf("the file and the feed differ for the same enrolment:\n%s\n---\n%s", vevents(fileICS.body), vevents(feedICS.body))
	}

	// The admin moves the session by half an hour, from the form.
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	edit := fmt.Sprintf("/admin/sessions/%d/modifier", sess)
	form := formValues(admin.get(edit), `form[action="`+edit+`"]`)
	form.Set("starts_at", start.Add(30*time.Minute).Format("2006-01-02T15:04"))
	form.Set("ends_at", end.Add(30*time.Minute).Format("2006-01-02T15:04"))
	time.Sleep(1100 * time.Millisecond) // LAST-MODIFIED counts seconds
	p = admin.post(edit, form)
	expectRedirect(t, p, http.StatusSeeOther, edit)
	if got := text(admin.follow(p).doc.Find(".fr-alert")); !strings.Contains(got, "1 personne inscrite ou en attente en est prévenue par courriel, et son agenda suit.") {
		t.Errorf("flash: %q", got)
	}
	ms := recentMails(t, store, u.Email, 1)
	if len(ms) != 1 || ms[0].Kind != enrolment.KindSessionChanged || !strings.Contains(ms[0].Body, "avant : "+catalogue.Schedule(start, end)) ||
		!strings.Contains(ms[0].Body, "désormais : "+catalogue.Schedule(start.Add(30*time.Minute), end.Add(30*time.Minute))) ||
		!strings.Contains(ms[0].Body, testBase+file) {
		t.Fatalf("the agent's mail: %+v", ms)
	}
	fileICS, feedICS = b.get(file), anonymous.get(feed)
	after := readICS(t, fileICS)
	days(t, after, "10:00", "17:30", start, "CONFIRMED")
	days(t, readICS(t, feedICS), "10:00", "17:30", start, "CONFIRMED")
	if after.Events[0].Sequence <= before.Events[0].Sequence || after.Events[0].LastModified <= before.Events[0].LastModified {
		t.Fatalf("moved: SEQUENCE %d → %d, LAST-MODIFIED %s → %s", before.Events[0].Sequence, after.Events[0].Sequence,
			before.Events[0].LastModified, after.Events[0].LastModified)
	}
	if vevents(fileICS.body) != vevents(feedICS.body) {
		t.Fatal("after the move, the file and the feed differ")
	}

	// Cancelled: every day of the series says so, with a higher SEQUENCE.
	expectRedirect(t, admin.post(fmt.Sprintf("/admin/sessions/%d/annulation", sess), url.Values{"confirm": {"oui"}}), http.StatusSeeOther, edit)
	fileICS, feedICS = b.get(file), anonymous.get(feed)
	cancelled := readICS(t, fileICS)
	days(t, cancelled, "10:00", "17:30", start, "CANCELLED")
	days(t, readICS(t, feedICS), "10:00", "17:30", start, "CANCELLED")
	if cancelled.Events[0].Sequence <= after.Events[0].Sequence {
		t.Fatalf("cancelled: SEQUENCE %d after %d", cancelled.Events[0].Sequence, after.Events[0].Sequence)
	}
	if vevents(fileICS.body) != vevents(feedICS.body) {
		t.Fatal("after the cancellation, the file and the feed differ")
	}

	t.Run("online session", func(t *testing.T) {
		online := enrolModule(t, store, "hybride", "published", "published")
		var vs int64
		testdb.Row(t, store, `INSERT INTO module_sessions (ref, module_id, starts_at, ends_at, virtual_url, capacity)
			VALUES ($1, $2, $3, $4, 'https://webconf.numerique.gouv.fr/campus-essai', 10) RETURNING id`,
			fmt.Sprintf("distance-%d", time.Now().UnixNano()), online.id, start, start.Add(3*time.Hour)).Scan(&vs)
		b.post("/modules/"+online.slug+"/inscription", url.Values{"session": {id64(vs)}})
		oid := testdb.Column[int64](t, store, `SELECT id FROM enrolments WHERE user_id = $1 AND session_id = $2`, u.ID, vs)[0]
		r := readICS(t, b.get(fmt.Sprintf("/mes-formations/%d/calendrier.ics", oid)))
		if len(r.Events) != 1 || r.Events[0].RRule != "" || r.Events[0].Location != "Classe virtuelle : https://webconf.numerique.gouv.fr/campus-essai" ||
			r.Events[0].Organizer != "mailto:ne-pas-repondre@campus.example.gouv.fr" || len(r.Occurrences) != 1 {
			t.Fatalf("online session: %+v", r)
		}
		// The feed has every event of the agent: the cancelled series and the online session, each as in its file.
		all := anonymous.get(feed)
		if n := strings.Count(all.body, "BEGIN:VEVENT"); n != 4 {
			t.Fatalf("%d VEVENTs in the feed, want 4", n)
		}
	})
}
