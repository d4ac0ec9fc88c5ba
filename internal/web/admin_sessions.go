package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/internal/postgres"
	"campus/templates"
)

// Sessions of dated modules: list, schedule, edit dates, place and trainer. The roster of a session, its
// capacity and its cancellation follow the enrolment rules (/admin/sessions/{id}, enrolment issue).

func (s *Server) adminSessions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := templates.AdminSessionsView{Period: q.Get("periode"), Module: queryText(q, "module", admin.MaxSlug), NoTrainer: q.Get("formateur") == "aucun"}
	switch v.Period {
	case postgres.PeriodPast, postgres.PeriodAll:
	default:
		v.Period = postgres.PeriodUpcoming
	}
	choices, err := s.store.ModuleChoices(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := postgres.SessionFilter{Period: v.Period, NoTrainer: v.NoTrainer}
	for _, m := range choices {
		v.Modules = append(v.Modules, templates.Option{Value: m.Slug, Label: m.Title})
		if m.Slug == v.Module {
			f.Module = m.ID
		}
	}
	if v.Module != "" && f.Module == 0 {
		// An archived or online module is not among the choices: look it up so that its link from the module page works.
		if m, err := s.store.ModuleChoice(r.Context(), v.Module); err == nil {
			f.Module = m.ID
			v.Modules = append(v.Modules, templates.Option{Value: m.Slug, Label: m.Title})
		} else {
			v.Module = ""
		}
	}
	page := adminPageNumber(q)
	v.Sessions, v.Total, err = s.store.AdminSessions(r.Context(), f, adminPerPage, (page-1)*adminPerPage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Pager = adminPager("/admin/sessions", q, page, adminPerPage, v.Total)
	title := pagedTitle("Sessions", page)
	v.Page = s.adminPage(r, title, templates.Crumb{Label: "Sessions"})
	s.render(w, r, http.StatusOK, templates.AdminSessions(v))
}

func adminSessionValues(in admin.SessionInput) map[string]string {
	return map[string]string{"module": in.Module, "starts_at": in.StartsAt, "ends_at": in.EndsAt, "place_name": in.PlaceName,
		"address": in.Address, "city": in.City, "virtual_url": in.VirtualURL, "capacity": in.Capacity, "trainer": in.Trainer, "approval": in.Approval, "half_days": in.HalfDays}
}

func adminReadSession(f *Form) admin.SessionInput {
	return admin.SessionInput{Module: f.adminRaw("module"), StartsAt: f.adminRaw("starts_at"), EndsAt: f.adminRaw("ends_at"),
		PlaceName: f.adminRaw("place_name"), Address: f.adminRaw("address"), City: f.adminRaw("city"), VirtualURL: f.adminRaw("virtual_url"),
		Capacity: f.adminRaw("capacity"), Trainer: f.adminRaw("trainer"), Approval: f.adminRaw("approval"), HalfDays: f.adminRaw("half_days")}
}

func adminTrainerOptions(ps []admin.Person) []templates.Option {
	var out []templates.Option
	for _, p := range ps {
		out = append(out, templates.Option{Value: strconv.FormatInt(p.ID, 10), Label: p.Name})
	}
	return out
}

// adminSessionForm is what the session form needs: the modules to pick from (creation) and the trainers.
type adminSessionForm struct {
	modules          []admin.ModuleChoice
	trainers         []admin.Person
	capacity, cancel templates.FormState // the capacity and cancellation forms, when sent back with an error
}

func (s *Server) adminLoadSessionForm(r *http.Request, creating bool) (adminSessionForm, error) {
	var sf adminSessionForm
	g, ctx := errgroup.WithContext(r.Context())
	if creating {
		g.Go(func() (err error) { sf.modules, err = s.store.ModuleChoices(ctx); return })
	}
	g.Go(func() (err error) { sf.trainers, err = s.store.Trainers(ctx); return })
	return sf, g.Wait()
}

func (s *Server) adminRenderSession(w http.ResponseWriter, r *http.Request, status int, e templates.AdminEdit, sf adminSessionForm, stored admin.Session) {
	title := "Programmer une session"
	if !e.New() {
		title = "Modifier la session " + e.Title
	}
	v := templates.AdminSessionView{Edit: e, Trainers: adminTrainerOptions(sf.trainers), Session: stored, Capacity: e.New(),
		CanChange:    !e.New() && stored.Status == "scheduled" && stored.StartsAt.After(time.Now()),
		CapacityForm: sf.capacity, CancelForm: sf.cancel}
	if v.CapacityForm.Values == nil {
		v.CapacityForm.Values = map[string]string{"capacity": strconv.Itoa(stored.Capacity)}
	}
	for _, m := range sf.modules {
		v.Modules = append(v.Modules, templates.Option{Value: m.Slug, Label: m.Title})
	}
	if !e.New() {
		v.RosterURL = "/admin/sessions/" + strconv.FormatInt(e.ID, 10)
	}
	v.Page = s.adminPage(r, adminErrorTitle(e.Form, e.Conflict != nil || v.CapacityForm.Failed() || v.CancelForm.Failed(), title),
		templates.Crumb{Label: "Sessions", Href: "/admin/sessions"}, templates.Crumb{Label: title})
	s.render(w, r, status, templates.AdminSessionForm(v))
}

func (s *Server) adminNewSession(w http.ResponseWriter, r *http.Request) {
	sf, err := s.adminLoadSessionForm(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e := templates.AdminEdit{Entity: admin.EntitySession, Action: "/admin/sessions",
		Form: templates.FormState{Values: adminSessionValues(admin.SessionInput{Module: queryText(r.URL.Query(), "module", admin.MaxSlug), Capacity: "20"})}}
	s.adminRenderSession(w, r, http.StatusOK, e, sf, admin.Session{})
}

func (s *Server) adminCreateSession(w http.ResponseWriter, r *http.Request) {
	sf, err := s.adminLoadSessionForm(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	x, errs := adminReadSession(f).Check(admin.SessionRules{Trainers: sf.trainers, Creating: true, Now: time.Now(),
		Module: func(slug string) (admin.ModuleChoice, bool) {
			for _, m := range sf.modules {
				if m.Slug == slug {
					return m, true
				}
			}
			// Not offered (online or archived): found anyway, so that the message says why.
			m, err := s.store.ModuleChoice(r.Context(), slug)
			return m, err == nil
		}})
	e := templates.AdminEdit{Entity: admin.EntitySession, Action: "/admin/sessions"}
	s.adminSave(w, r, f, &e, x.Snapshot(), errs, func() (string, string, error) {
		id, err := s.store.CreateSession(r.Context(), adminActor(r), x)
		return templates.AdminHref(admin.EntitySession, id), "La session « " + admin.SessionLabel(x.ModuleTitle, x.StartsAt) + " » est programmée.", err
	}, func(status int) { s.adminRenderSession(w, r, status, e, sf, admin.Session{}) })
}

func adminSessionEdit(x admin.Session, version int) templates.AdminEdit {
	e := adminEditOf(admin.EntitySession, x.ID, admin.SessionLabel(x.ModuleTitle, x.StartsAt), "", x.Status, version, false)
	return e
}

// adminSessionStored is the edit page of a session showing it as stored.
func adminSessionStored(x admin.Session) templates.AdminEdit {
	e := adminSessionEdit(x, x.Version)
	e.Form = templates.FormState{Values: adminSessionValues(x.Input())}
	return e
}

func (s *Server) adminLoadSession(w http.ResponseWriter, r *http.Request) (admin.Session, adminSessionForm, bool) {
	return adminLoad(s, w, r, s.store.AdminSession, func(ctx context.Context) (sf adminSessionForm, err error) {
		sf.trainers, err = s.store.Trainers(ctx)
		return sf, err
	})
}

func (s *Server) adminEditSession(w http.ResponseWriter, r *http.Request) {
	x, sf, ok := s.adminLoadSession(w, r)
	if !ok {
		return
	}
	s.adminShowSession(w, r, http.StatusOK, sf, x)
}

// adminPostSession starts a POST on a session's page: the session and what its page needs (adminLoadSession),
// then the form posted.
func (s *Server) adminPostSession(w http.ResponseWriter, r *http.Request) (admin.Session, adminSessionForm, *Form, bool) {
	cur, sf, ok := s.adminLoadSession(w, r)
	if !ok {
		return cur, sf, nil, false
	}
	return cur, sf, s.readForm(w, r), true
}

// adminShowSession renders the page of session x as stored, with status; the capacity or cancellation form in sf
// may carry a refusal.
func (s *Server) adminShowSession(w http.ResponseWriter, r *http.Request, status int, sf adminSessionForm, x admin.Session) {
	s.adminRenderSession(w, r, status, adminSessionStored(x), sf, x)
}

func (s *Server) adminUpdateSession(w http.ResponseWriter, r *http.Request) {
	cur, sf, f, ok := s.adminPostSession(w, r)
	if !ok {
		return
	}
	in := adminReadSession(f)
	// The module and the capacity are not edited here.
	in.Module, in.Capacity = cur.Module, strconv.Itoa(cur.Capacity)
	rules := admin.SessionRules{Trainers: sf.trainers, Now: time.Now(),
		Module: func(string) (admin.ModuleChoice, bool) {
			return admin.ModuleChoice{ID: cur.ModuleID, Slug: cur.Module, Title: cur.ModuleTitle, Format: cur.ModuleFormat}, true
		}}
	rules.Was.StartsAt, rules.Was.EndsAt = cur.StartsAt, cur.EndsAt
	x, errs := in.Check(rules)
	e := adminSessionEdit(cur, f.adminVersion())
	s.adminSave(w, r, f, &e, x.Snapshot(), errs, func() (string, string, error) {
		told, err := s.store.UpdateSession(r.Context(), adminActor(r), cur.ID, f.adminVersion(), x)
		msg := "La session est enregistrée."
		if told > 0 {
			msg = "La session est enregistrée ; " + catalogue.Plural(told,
				"personne inscrite ou en attente en est prévenue par courriel, et son agenda suit.",
				"personnes inscrites ou en attente en sont prévenues par courriel, et leur agenda suit.")
		}
		return e.Action, msg, err
	}, func(status int) { s.adminRenderSession(w, r, status, e, sf, cur) })
}

// adminSessionCapacity changes the capacity of a session through the enrolment rules (raising it promotes
// from the waitlist; lowering it below the seats taken is refused), recorded in the audit log by the same transaction.
func (s *Server) adminSessionCapacity(w http.ResponseWriter, r *http.Request) {
	cur, sf, f, ok := s.adminPostSession(w, r)
	if !ok {
		return
	}
	capacity := f.Int("capacity", "Nouvelle capacité", 1, admin.MaxCapacity, true)
	if f.Valid() && capacity != cur.Capacity {
		promoted, err := s.store.ChangeCapacity(r.Context(), adminActor(r), cur.ID, capacity)
		if ref, err := refused(err); ref != nil {
			f.Fail("capacity", ref.Message)
		} else if err != nil {
			s.fail(w, r, err)
			return
		} else {
			s.invalidate("catalogue")
			msg := "La capacité est maintenant de " + catalogue.Plural(capacity, "place", "places") + "."
			if len(promoted) > 0 {
				msg += " " + catalogue.Plural(len(promoted), "personne a quitté", "personnes ont quitté") + " la liste d’attente et en a été prévenue."
			}
			s.flashTo(w, r, adminSessionPath(cur.ID), "success", msg)
			return
		}
	}
	if f.Valid() {
		http.Redirect(w, r, adminSessionPath(cur.ID), http.StatusSeeOther)
		return
	}
	sf.capacity = f.State()
	s.adminShowSession(w, r, http.StatusUnprocessableEntity, sf, cur)
}

// adminCancelSession cancels a session that has not started (every enrolled agent is told, by the enrolment
// rules), recorded in the audit log by the same transaction.
func (s *Server) adminCancelSession(w http.ResponseWriter, r *http.Request) {
	cur, sf, f, ok := s.adminPostSession(w, r)
	if !ok {
		return
	}
	f.Checked("confirm", true, "Cochez la case pour confirmer l’annulation.")
	if !f.Valid() {
		sf.cancel = f.State()
		s.adminShowSession(w, r, http.StatusUnprocessableEntity, sf, cur)
		return
	}
	cancelled, err := s.store.CancelSession(r.Context(), adminActor(r), cur.ID)
	if s.refusedTo(w, r, adminSessionPath(cur.ID), err) {
		return
	}
	s.invalidate("catalogue")
	s.flashTo(w, r, adminSessionPath(cur.ID), "success", "La session est annulée ; "+catalogue.Plural(len(cancelled), "inscription annulée", "inscriptions annulées")+
		", chaque personne est prévenue par courriel.")
}

func adminSessionPath(id int64) string { return templates.AdminHref(admin.EntitySession, id) }
