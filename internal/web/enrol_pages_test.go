package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"campus/internal/account"
	"campus/internal/config"
	"campus/internal/testdb"
	"campus/internal/web"
)

func id64(n int64) string { return strconv.FormatInt(n, 10) }

// TestEnrol_ModulePage: a visitor is invited to sign in; an agent chooses a session, is confirmed (Post/Redirect/
// Get with a message), sees their status; every bad input is a French message on the page (422), never a 500.
func TestEnrol_ModulePage(t *testing.T) {
	t.Parallel()
	store, srv := enrolPortal(t)
	m := enrolModule(t, store, "presentiel", "published", "published")
	open := enrolSession(t, store, m.id, 12, 10*24*time.Hour)
	full := enrolSession(t, store, m.id, 1, 12*24*time.Hour)
	path := "/modules/" + m.slug

	t.Run("Visitor", func(t *testing.T) {
		p := newBrowser(t, srv).get(path)
		link := p.doc.Find(`#inscription a[href^="/connexion?suivant="]`)
		if link.Length() != 1 || p.doc.Find(`#inscription form`).Length() != 0 {
			t.Fatalf("visitor: sign-in link %d, forms %d", link.Length(), p.doc.Find(`#inscription form`).Length())
		}
		if href, _ := link.Attr("href"); href != "/connexion?suivant="+url.QueryEscape(path+"#inscription") {
			t.Fatalf("sign-in link %q", href)
		}
		if p := newBrowser(t, srv).post(path+"/inscription", url.Values{"session": {id64(open)}}); p.status != http.StatusSeeOther ||
			!strings.HasPrefix(p.header.Get("Location"), "/connexion") {
			t.Fatalf("anonymous POST: %d → %q", p.status, p.header.Get("Location"))
		}
	})

	b, u := signedIn(t, srv, store, account.RoleAgent)
	t.Run("Refusals", func(t *testing.T) {
		other := enrolModule(t, store, "presentiel", "published", "published")
		past := enrolSession(t, store, m.id, 10, -48*time.Hour)
		for _, c := range []struct {
			name, session, field, want string
		}{
			{"NoChoice", "", "session", "Choisissez une session"},
			{"Garbage", "12abc", "session", "n’est pas valide"},
			{"Overflow", "99999999999999999999", "session", "n’est pas valide"},
			{"Unknown", "987654321", "session", "n’appartient pas à ce module"},
			{"OtherModule", id64(enrolSession(t, store, other.id, 5, 48*time.Hour)), "session", "n’appartient pas à ce module"},
			{"Past", id64(past), "session", "a déjà commencé"},
		} {
			t.Run(c.name, func(t *testing.T) {
				p := b.post(path+"/inscription", url.Values{"session": {c.session}})
				if p.status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d", p.status)
				}
				g := p.doc.Find("#session-group.fr-fieldset--error")
				if g.Length() != 1 || !strings.Contains(text(g.Find(".fr-message--error")), c.want) {
					t.Fatalf("field error %q, want %q", text(g.Find(".fr-message--error")), c.want)
				}
				if !strings.Contains(formMessage(p), c.want) {
					t.Fatalf("error summary %q", formMessage(p))
				}
				checkFrame(t, path, p)
			})
		}
		if n := testdb.Int(t, store, `SELECT count(*) FROM enrolments WHERE user_id = $1`, u.ID); n != 0 {
			t.Fatalf("%d enrolments after refusals", n)
		}
	})

	t.Run("Confirmed", func(t *testing.T) {
		page := b.get(path)
		radios := page.doc.Find(`#inscription input[type=radio][name=session]`)
		if radios.Length() != 2 || page.doc.Find(`#inscription label[for=session]`).Length() != 1 {
			t.Fatalf("%d session radios", radios.Length())
		}
		if !strings.Contains(text(page.doc.Find("#inscription")), "Dernière place") {
			t.Fatal("the last seat of a session is not announced")
		}
		p := b.post(path+"/inscription", url.Values{"session": {id64(open)}})
		expectRedirect(t, p, http.StatusSeeOther, path+"#inscription")
		page = b.follow(p)
		if !strings.Contains(text(page.doc.Find(".fr-alert--success[role=status]")), "Inscription confirmée pour la session du") {
			t.Fatalf("flash: %q", text(page.doc.Find("[role=status]")))
		}
		if !strings.Contains(text(page.doc.Find("#inscription .fr-alert--success")), "Vous êtes inscrit·e") ||
			page.doc.Find(`#inscription a[href$="/calendrier.ics"]`).Length() != 1 {
			t.Fatal("the module page does not show the confirmed enrolment with its calendar link")
		}
		if page.doc.Find(`#inscription form`).Length() != 0 {
			t.Fatal("a confirmed agent is offered another session without cancelling")
		}
		// Resubmitting the form changes nothing.
		p = b.post(path+"/inscription", url.Values{"session": {id64(open)}})
		if p.status != http.StatusSeeOther || !strings.Contains(text(b.follow(p).doc.Find("[role=status]")), "déjà inscrit") {
			t.Fatal("a resubmitted form is not recognised")
		}
		if n := testdb.Int(t, store, `SELECT count(*) FROM enrolments WHERE user_id = $1`, u.ID); n != 1 {
			t.Fatalf("%d enrolments", n)
		}
		// Another session of the same module: refused while the seat is held.
		p = b.post(path+"/inscription", url.Values{"session": {id64(full)}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(formMessage(p), "annulez d’abord") {
			t.Fatalf("second session: %d %q", p.status, formMessage(p))
		}
		mail, link := lastMail(t, store, u.Email)
		if mail.Kind != "enrolment_confirmed" || !strings.HasSuffix(link, "/calendrier.ics") || !strings.Contains(mail.Body, "Station F") {
			t.Fatalf("confirmation mail %s: %s", mail.Kind, mail.Body)
		}
	})

	t.Run("FullSessionOffersWaitlistAndOtherSessions", func(t *testing.T) {
		first, _ := signedIn(t, srv, store, account.RoleAgent)
		first.post(path+"/inscription", url.Values{"session": {id64(full)}})
		c, cu := signedIn(t, srv, store, account.RoleAgent)
		if !strings.Contains(text(c.get(path).doc.Find("#inscription")), "Complet : inscription en liste d’attente") {
			t.Fatal("the full session is not marked as going to the waitlist")
		}
		p := c.post(path+"/inscription", url.Values{"session": {id64(full)}})
		page := c.follow(p)
		if !strings.Contains(text(page.doc.Find("[role=status]")), "en liste d’attente, en position 1") {
			t.Fatalf("flash %q", text(page.doc.Find("[role=status]")))
		}
		box := page.doc.Find("#inscription")
		if !strings.Contains(text(box), "position 1") || box.Find(`input[name=session][value="`+id64(open)+`"]`).Length() != 1 ||
			box.Find(`input[name=session][value="`+id64(full)+`"]`).Length() != 0 {
			t.Fatal("a waitlisted agent is not offered the other sessions with seats")
		}
		if mail, _ := lastMail(t, store, cu.Email); mail.Kind != "enrolment_waitlisted" || !strings.Contains(mail.Body, "position 1") {
			t.Fatalf("waitlist mail: %s", mail.Body)
		}
		// Taking the open session leaves the waitlist.
		page = c.follow(c.post(path+"/inscription", url.Values{"session": {id64(open)}}))
		if !strings.Contains(text(page.doc.Find("[role=status]")), "Vous avez quitté la liste d’attente") {
			t.Fatalf("flash %q", text(page.doc.Find("[role=status]")))
		}
	})
}

// TestEnrol_NotEnrollable: modules of a coming domain and draft modules take no enrolment: a clear French
// message, never a 500.
func TestEnrol_NotEnrollable(t *testing.T) {
	t.Parallel()
	store, srv := enrolPortal(t)
	b, _ := signedIn(t, srv, store, account.RoleAgent)

	coming := enrolModule(t, store, "presentiel", "published", "coming")
	sess := enrolSession(t, store, coming.id, 10, 5*24*time.Hour)
	page := b.get("/modules/" + coming.slug)
	if page.status != http.StatusOK || page.doc.Find("#inscription form").Length() != 0 || !strings.Contains(text(page.doc.Find("main")), "Inscriptions fermées") {
		t.Fatalf("module of a coming domain: %d, offers enrolment or says nothing", page.status)
	}
	p := b.post("/modules/"+coming.slug+"/inscription", url.Values{"session": {id64(sess)}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(formMessage(p), "annoncé mais pas encore ouvert") {
		t.Fatalf("coming domain: %d %q", p.status, formMessage(p))
	}

	draft := enrolModule(t, store, "en_ligne", "draft", "published")
	if p := b.post("/modules/"+draft.slug+"/inscription", url.Values{}); p.status != http.StatusNotFound {
		t.Fatalf("draft module: %d", p.status)
	}

	online := enrolModule(t, store, "en_ligne", "published", "published")
	page = b.get("/modules/" + online.slug)
	if page.doc.Find(`a[href^="https://partenaire.example"]`).Length() != 0 {
		t.Fatal("the partner's link is shown before enrolling")
	}
	expectRedirect(t, b.post("/modules/"+online.slug+"/inscription", url.Values{}), http.StatusSeeOther, "/modules/"+online.slug+"#inscription")
	page = b.get("/modules/" + online.slug)
	if page.doc.Find(`#inscription a[href^="https://partenaire.example"]`).Length() != 1 {
		t.Fatal("the partner's link is not shown once enrolled")
	}
}

// TestMyTrainings: the agent's page lists each kind of enrolment with its actions; cancellation respects the
// cut-off; only the owner (or an admin) reaches an enrolment's calendar, cancellation and attestation.
func TestMyTrainings(t *testing.T) {
	t.Parallel()
	store, srv := enrolPortal(t)
	ctx := t.Context()
	b, u := signedIn(t, srv, store, account.RoleAgent)
	m := enrolModule(t, store, "presentiel", "published", "published")
	later := enrolSession(t, store, m.id, 10, 9*24*time.Hour)
	m2 := enrolModule(t, store, "hybride", "published", "published")
	soon := enrolSession(t, store, m2.id, 10, 20*time.Hour)
	online := enrolModule(t, store, "en_ligne", "published", "published")
	b.post("/modules/"+m.slug+"/inscription", url.Values{"session": {id64(later)}})
	b.post("/modules/"+m2.slug+"/inscription", url.Values{"session": {id64(soon)}})
	b.post("/modules/"+online.slug+"/inscription", url.Values{})
	ids := testdb.Column[int64](t, store, `SELECT id FROM enrolments WHERE user_id = $1 ORDER BY id`, u.ID)
	if len(ids) != 3 {
		t.Fatalf("%d enrolments", len(ids))
	}

	page := b.get("/mes-formations")
	if page.status != http.StatusOK || text(page.doc.Find("h1")) != "Mes formations" {
		t.Fatalf("Mes formations: %d", page.status)
	}
	checkFrame(t, "/mes-formations", page)
	upcoming := page.doc.Find(`section[aria-labelledby="a-venir"] tbody tr`)
	if upcoming.Length() != 2 || !strings.Contains(text(upcoming.First()), m2.title) {
		t.Fatalf("%d upcoming sessions, soonest first expected", upcoming.Length())
	}
	row := func(id int64) string { return fmt.Sprintf("#inscription-%d", id) }
	if page.doc.Find(row(ids[0])+` a[href$="/annulation"]`).Length() != 1 || page.doc.Find(row(ids[1])+` a[href$="/annulation"]`).Length() != 0 {
		t.Fatal("the cancel action must be offered until the cut-off only")
	}
	if page.doc.Find(`section[aria-labelledby="en-ligne"] `+row(ids[2])+` a[href^="https://partenaire.example"]`).Length() != 1 {
		t.Fatal("the online module in progress lacks its link")
	}
	if page.doc.Find(`a[href="/mes-formations"]`).Length() == 0 {
		t.Fatal("no link to Mes formations in the header or footer")
	}

	t.Run("CutOff", func(t *testing.T) {
		path := fmt.Sprintf("/mes-formations/%d/annulation", ids[1])
		p := b.get(path)
		if p.status != http.StatusOK || !strings.Contains(formMessage(p), "24 heures avant le début") || p.doc.Find(`form[action="`+path+`"]`).Length() != 0 {
			t.Fatalf("confirmation page past the cut-off: %d %q", p.status, formMessage(p))
		}
		p = b.post(path, url.Values{})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(formMessage(p), "24 heures avant le début") {
			t.Fatalf("cancelling past the cut-off: %d %q", p.status, formMessage(p))
		}
	})

	t.Run("OthersGet404", func(t *testing.T) {
		other, _ := signedIn(t, srv, store, account.RoleAgent)
		for _, suffix := range []string{"calendrier.ics", "annulation", "attestation", "attestation.pdf"} {
			path := fmt.Sprintf("/mes-formations/%d/%s", ids[0], suffix)
			if p := other.get(path); p.status != http.StatusNotFound {
				t.Errorf("another agent GET %s: %d", path, p.status)
			}
		}
		if p := other.post(fmt.Sprintf("/mes-formations/%d/annulation", ids[0]), url.Values{}); p.status != http.StatusNotFound {
			t.Errorf("another agent cancelling: %d", p.status)
		}
		admin, _ := signedIn(t, srv, store, account.RoleAdmin)
		if p := admin.get(fmt.Sprintf("/mes-formations/%d/calendrier.ics", ids[0])); p.status != http.StatusOK {
			t.Errorf("admin: %d", p.status)
		}
		for _, bad := range []string{"abc", "0", "-3", "99999999999999999999"} {
			if p := b.get("/mes-formations/" + bad + "/attestation"); p.status != http.StatusNotFound {
				t.Errorf("id %q: %d", bad, p.status)
			}
		}
	})

	t.Run("Cancel", func(t *testing.T) {
		p := b.post(fmt.Sprintf("/mes-formations/%d/annulation", ids[0]), url.Values{})
		expectRedirect(t, p, http.StatusSeeOther, "/mes-formations")
		page := b.follow(p)
		if !strings.Contains(text(page.doc.Find("[role=status]")), "est annulée") ||
			page.doc.Find(`section[aria-labelledby="annulees"] `+row(ids[0])).Length() != 1 {
			t.Fatal("the cancelled enrolment is not listed as cancelled")
		}
		if mail, _ := lastMail(t, store, u.Email); mail.Kind != "enrolment_cancelled" {
			t.Fatalf("mail %s", mail.Kind)
		}
	})

	t.Run("FollowedAndHours", func(t *testing.T) {
		// The hybrid session took place; the admin marks the attendance; the online module is completed.
		testdb.Exec(t, store, `UPDATE module_sessions SET starts_at = now() - interval '3 days', ends_at = now() - interval '3 days' + interval '7 hours' WHERE id = $1`, soon)
		if _, err := store.MarkAttendance(ctx, soon, map[int64]bool{ids[1]: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.MarkCompletions(ctx, online.id, map[int64]bool{ids[2]: true}); err != nil {
			t.Fatal(err)
		}
		page := b.get("/mes-formations")
		done := page.doc.Find(`section[aria-labelledby="terminees"]`)
		if done.Find("tbody tr").Length() != 2 || !strings.Contains(text(done), "Total : 14 h") {
			t.Fatalf("followed: %d rows, %q", done.Find("tbody tr").Length(), text(done.Find("p").First()))
		}
		if done.Find(`a[href$="/attestation"]`).Length() != 2 || done.Find(`a[href$="/attestation.pdf"]`).Length() != 2 {
			t.Fatal("attestation links missing")
		}
	})
}

// TestMyTrainings_Export: the enrolments are part of the "download my data" file.
func TestMyTrainings_Export(t *testing.T) {
	t.Parallel()
	store, srv := enrolPortal(t)
	b, _ := signedIn(t, srv, store, account.RoleAgent)
	m := enrolModule(t, store, "presentiel", "published", "published")
	b.post("/modules/"+m.slug+"/inscription", url.Values{"session": {id64(enrolSession(t, store, m.id, 5, 6*24*time.Hour))}})
	p := b.get("/compte/donnees")
	var x struct {
		Extra struct {
			Enrolments []struct {
				Module, Session, Statut string
			} `json:"inscriptions"`
		} `json:"autres_donnees"`
	}
	if err := json.Unmarshal([]byte(p.body), &x); err != nil || len(x.Extra.Enrolments) != 1 {
		t.Fatalf("export: %v, %s", err, p.body)
	}
	if e := x.Extra.Enrolments[0]; e.Module != m.title || e.Statut != "Confirmée" || !strings.Contains(e.Session, "Paris") {
		t.Fatalf("exported enrolment %+v", e)
	}
}

// TestEnrol_Track: enrolling in a track opens its online modules and lists its dated ones to schedule;
// choosing a session then confirms the module within the track.
func TestEnrol_Track(t *testing.T) {
	t.Parallel()
	store, srv := enrolPortal(t)
	online := enrolModule(t, store, "en_ligne", "published", "published")
	dated := enrolModule(t, store, "presentiel", "published", "published")
	sess := enrolSession(t, store, dated.id, 8, 6*24*time.Hour)
	var domainID, trackID int64
	testdb.Row(t, store, `SELECT domain_id FROM modules WHERE id = $1`, online.id).Scan(&domainID)
	slug := fmt.Sprintf("parcours-web-%d", fixSeq.Add(1))
	testdb.Row(t, store, `INSERT INTO tracks (slug, domain_id, title, status) VALUES ($1, $2, 'Parcours rédaction', 'published') RETURNING id`,
		slug, domainID).Scan(&trackID)
	testdb.Exec(t, store, `INSERT INTO track_modules (track_id, module_id, position) VALUES ($1, $2, 1), ($1, $3, 2)`, trackID, online.id, dated.id)

	if p := newBrowser(t, srv).get("/parcours/" + slug); p.doc.Find(`#inscription a[href^="/connexion"]`).Length() != 1 {
		t.Fatal("a visitor is not invited to sign in on the track page")
	}
	b, _ := signedIn(t, srv, store, account.RoleAgent)
	if b.get("/parcours/"+slug).doc.Find(`form[action="/parcours/`+slug+`/inscription"] button`).Length() != 1 {
		t.Fatal("no enrolment button on the track page")
	}
	p := b.post("/parcours/"+slug+"/inscription", url.Values{})
	expectRedirect(t, p, http.StatusSeeOther, "/mes-formations")
	page := b.follow(p)
	if !strings.Contains(text(page.doc.Find("[role=status]")), "1 module en ligne ouvert, 1 module à planifier") {
		t.Fatalf("flash %q", text(page.doc.Find("[role=status]")))
	}
	todo := page.doc.Find(`section[aria-labelledby="a-planifier"]`)
	if !strings.Contains(text(todo), dated.title) || todo.Find(`a[href="/modules/`+dated.slug+`#inscription"]`).Length() != 1 {
		t.Fatal("the dated module is not listed to schedule")
	}
	if !strings.Contains(text(b.get("/modules/"+dated.slug).doc.Find("#inscription")), "Module de votre parcours « Parcours rédaction »") {
		t.Fatal("the module page does not say the module is part of the agent's track")
	}
	b.post("/modules/"+dated.slug+"/inscription", url.Values{"session": {id64(sess)}})
	page = b.get("/mes-formations")
	if page.doc.Find(`section[aria-labelledby="a-planifier"]`).Length() != 0 || page.doc.Find(`section[aria-labelledby="a-venir"] tbody tr`).Length() != 1 {
		t.Fatal("the scheduled module did not move to the upcoming sessions")
	}
	// The track page now says where the agent stands, and offers no enrolment while nothing is left.
	tp := b.get("/parcours/" + slug)
	if got := text(tp.doc.Find("#inscription")); !strings.Contains(got, "Vous suivez ce parcours") ||
		!strings.Contains(got, "0 module terminé et 2 modules en cours sur 2 modules") || tp.doc.Find(`#inscription form`).Length() != 0 {
		t.Fatalf("track page after enrolling: %q", got)
	}
	// A third module added to the track: the page offers to add it.
	third := enrolModule(t, store, "en_ligne", "published", "published")
	testdb.Exec(t, store, `INSERT INTO track_modules (track_id, module_id, position) VALUES ($1, $2, 3)`, trackID, third.id)
	if tp := b.get("/parcours/" + slug); tp.doc.Find(`#inscription form[action="/parcours/`+slug+`/inscription"] button`).Length() != 1 ||
		!strings.Contains(text(tp.doc.Find("#inscription")), "sur 3 modules") {
		t.Fatalf("a new module of the track is not offered: %q", text(tp.doc.Find("#inscription")))
	}
	expectRedirect(t, b.post("/parcours/"+slug+"/inscription", url.Values{}), http.StatusSeeOther, "/mes-formations")
	// Again: nothing new, said as such.
	p = b.post("/parcours/"+slug+"/inscription", url.Values{})
	if !strings.Contains(text(b.follow(p).doc.Find("[role=status]")), "déjà inscrit·e à tous les modules") {
		t.Fatal("re-enrolling in the track is not explained")
	}
	// A tailored programme is run with its administration.
	programme := slug + "-dinum"
	testdb.Exec(t, store, `INSERT INTO tracks (slug, domain_id, title, status, administration) VALUES ($1, $2, 'Programme de la DINUM', 'published', 'DINUM')`,
		programme, domainID)
	testdb.Exec(t, store, `INSERT INTO track_modules (track_id, module_id, position) SELECT id, $2, 1 FROM tracks WHERE slug = $1`, programme, online.id)
	if b.get("/programmes-sur-mesure/"+programme).doc.Find(`form[action$="/inscription"]`).Length() != 0 {
		t.Fatal("a tailored programme offers self-enrolment")
	}
	p = b.post("/parcours/"+programme+"/inscription", url.Values{})
	if loc := p.header.Get("Location"); p.status != http.StatusSeeOther || loc != "/programmes-sur-mesure/"+programme+"#inscription" ||
		!strings.Contains(text(b.follow(p).doc.Find("[role=status]")), "réservé aux agents") {
		t.Fatalf("tailored programme: %d → %q", p.status, loc)
	}
}

// TestRoster_Attendance: the admin marks attendance on the roster once the session has started; before, a
// French message; the marks show and count for the agent.
func TestRoster_Attendance(t *testing.T) {
	t.Parallel()
	store, srv := enrolPortal(t)
	m := enrolModule(t, store, "presentiel", "published", "published")
	sess := enrolSession(t, store, m.id, 5, 3*24*time.Hour)
	var ids []int64
	for range 3 {
		b, _ := signedIn(t, srv, store, account.RoleAgent)
		b.post("/modules/"+m.slug+"/inscription", url.Values{"session": {id64(sess)}})
	}
	ids = testdb.Column[int64](t, store, `SELECT id FROM enrolments WHERE session_id = $1 ORDER BY id`, sess)
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	path := fmt.Sprintf("/admin/sessions/%d", sess)
	page := admin.get(path)
	if page.status != http.StatusOK || page.doc.Find("#liste-inscrits tbody tr").Length() != 3 || page.doc.Find(`main input[type=radio]`).Length() != 0 {
		t.Fatalf("roster before the start: %d, %d rows", page.status, page.doc.Find("#liste-inscrits tbody tr").Length())
	}
	if !strings.Contains(text(admin.get("/modules/"+m.slug).doc.Find("#inscription")), "listes des inscrits") {
		t.Fatal("the module page does not lead admins to the roster")
	}
	marks := url.Values{"presence-" + id64(ids[0]): {"present"}, "presence-" + id64(ids[1]): {"absent"}}
	p := admin.post(path+"/presences", marks)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(formMessage(p), "une fois la session commencée") {
		t.Fatalf("before the start: %d %q", p.status, formMessage(p))
	}
	testdb.Exec(t, store, `UPDATE module_sessions SET starts_at = now() - interval '2 hours', ends_at = now() + interval '5 hours' WHERE id = $1`, sess)
	page = admin.get(path)
	if page.doc.Find(`input[type=radio][name="presence-`+id64(ids[2])+`"]`).Length() != 2 {
		t.Fatal("no attendance radios once started")
	}
	for _, bad := range []url.Values{{}, {"presence-" + id64(ids[0]): {"peut-être"}}, {"presence-abc": {"present"}}} {
		if p := admin.post(path+"/presences", bad); p.status != http.StatusUnprocessableEntity || formMessage(p) == "" {
			t.Fatalf("bad form %v: %d", bad, p.status)
		}
	}
	if p := admin.post(path+"/presences", url.Values{"presence-987654": {"present"}}); p.status != http.StatusNotFound {
		t.Fatalf("an enrolment of another session: %d", p.status)
	}
	expectRedirect(t, admin.post(path+"/presences", marks), http.StatusSeeOther, path)
	page = admin.get(path)
	if page.doc.Find(`tr[data-status="attended"]`).Length() != 1 || page.doc.Find(`tr[data-status="no_show"]`).Length() != 1 ||
		page.doc.Find(`input[name="presence-`+id64(ids[0])+`"][value=present][checked]`).Length() != 1 {
		t.Fatal("attendance not recorded")
	}
}

// TestEnrolmentJobs: the job `serve` starts queues the reminder two days before, once, and serves the waitlist
// into a seat freed by a deleted account.
func TestEnrolmentJobs(t *testing.T) {
	t.Parallel()
	store, srv := enrolPortal(t)
	m := enrolModule(t, store, "presentiel", "published", "published")
	sess := enrolSession(t, store, m.id, 1, 5*24*time.Hour)
	a, au := signedIn(t, srv, store, account.RoleAgent)
	b, bu := signedIn(t, srv, store, account.RoleAgent)
	a.post("/modules/"+m.slug+"/inscription", url.Values{"session": {id64(sess)}})
	b.post("/modules/"+m.slug+"/inscription", url.Values{"session": {id64(sess)}})
	// Two days and a half later: the session starts in 36 hours.
	testdb.Exec(t, store, `UPDATE module_sessions SET starts_at = now() + interval '36 hours', ends_at = now() + interval '43 hours' WHERE id = $1`, sess)
	testdb.Exec(t, store, `UPDATE enrolments SET confirmed_at = confirmed_at - interval '60 hours' WHERE session_id = $1`, sess)

	cfg, err := config.FromEnv(func(k string) string { return map[string]string{"CAMPUS_BASE_URL": testBase}[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		web.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil))).RunEnrolmentJobs(ctx)
		close(done)
	}()
	eventually(t, 5*time.Second, func() string {
		if m, _ := lastMail(t, store, au.Email); m.Kind != "session_reminder" {
			return "no reminder yet: " + m.Kind
		}
		return ""
	})
	cancel()
	<-done
	if m, _ := lastMail(t, store, bu.Email); m.Kind != "enrolment_waitlisted" {
		t.Fatalf("the waitlisted agent got a %s", m.Kind)
	}
	// The seat holder deletes their account: the next run promotes the waitlist.
	if err := store.DeleteUser(t.Context(), au.ID); err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(t.Context())
	done2 := make(chan struct{})
	go func() {
		web.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil))).RunEnrolmentJobs(ctx2)
		close(done2)
	}()
	defer func() { cancel2(); <-done2 }()
	eventually(t, 5*time.Second, func() string {
		if m, _ := lastMail(t, store, bu.Email); m.Kind != "enrolment_promoted" {
			return "not promoted yet: " + m.Kind
		}
		return ""
	})
	if n := testdb.Int(t, store, `SELECT count(*) FROM mail_outbox WHERE kind = 'session_reminder'`); n != 1 {
		t.Fatalf("%d reminders", n)
	}
}
