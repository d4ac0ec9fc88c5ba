package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/cache"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/input"
	"campus/internal/metrics"
	"campus/templates"
)

// enrolmentRoutes registers the agent side of enrolments (behind the session middleware): enrolling from a
// module or track page, "Mes formations" with its actions, the calendar files and feed, the attestations.
func (s *Server) enrolmentRoutes(r chi.Router) {
	// The private calendar feed: the token in the URL is the credential (calendar.go).
	r.With(privateLink).Get("/calendrier/{token}.ics", s.calendarFeed)
	// The public verification of an attestation: its code is printed on it (attestation.go).
	r.Get("/attestations/verifier/{code}", s.attestationCheck)
	r.Group(func(r chi.Router) {
		r.Use(s.requireUser)
		r.Post("/modules/{slug}/inscription", s.enrolModule)
		r.Post("/parcours/{slug}/inscription", s.enrolTrack)
		r.With(s.personalPageCache(cache.All, byPath)).Get("/mes-formations", s.myTrainings)
		r.Post("/mes-formations/calendrier", s.createCalendarFeed)
		r.Post("/mes-formations/calendrier/suppression", s.revokeCalendarFeed)
		r.Get("/mes-formations/{id}/annulation", s.cancelPage)
		r.Post("/mes-formations/{id}/annulation", s.cancelEnrolment)
		r.Get("/mes-formations/{id}/absence", s.absencePage)
		r.Post("/mes-formations/{id}/absence", s.declareAbsence)
		r.Get("/mes-formations/{id}/calendrier.ics", s.enrolmentICS)
		r.Post("/mes-formations/{id}/termine", s.declareCompletion)
		r.Get("/mes-formations/{id}/attestation", s.attestation)
		r.Get("/mes-formations/{id}/attestation.pdf", s.attestationPDF)
	})
}

// enrolPanel builds the "S’inscrire" part of a module page for the request's viewer; form carries a refused
// enrolment back. One query for a signed-in viewer (their enrolment of the module), none for visitors, so
// that the page stays cacheable for them.
func (s *Server) enrolPanel(r *http.Request, m catalogue.Module, form templates.FormState) (templates.EnrolPanel, error) {
	p := templates.EnrolPanel{ModuleID: m.ID, ModuleSlug: m.Slug, Title: m.Title, Open: m.Enrollable(), Dated: m.Dated(),
		Sessions: m.Sessions, Form: form, Now: time.Now(),
		LoginHref: "/connexion?suivant=" + url.QueryEscape("/modules/"+m.Slug+"#inscription")}
	u, ok := CurrentUser(r)
	if !ok {
		return p, nil
	}
	p.SignedIn, p.Verified, p.Admin = true, u.Verified(), u.Has(account.RoleAdmin)
	e, found, err := s.store.ModuleEnrolment(r.Context(), u.ID, m.ID)
	if err != nil {
		return p, err
	}
	if found {
		p.Current = &e
	}
	if p.NeedsManager() && p.Form.Values == nil {
		if p.Manager, err = s.store.ManagerEmail(r.Context(), u.ID); err != nil {
			return p, err
		}
	}
	return p, nil
}

// enrolModule enrols the agent in a module: the chosen session of a dated module, or the online module. A
// refusal shows the module page again with the French reason (422); success redirects back to the module page
// (Post/Redirect/Get), where the agent's status shows.
func (s *Server) enrolModule(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	ctx := r.Context()
	slug, err := slugParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The module as the page shows it (cached); the store checks the session's state under its lock. Kept until
	// the catalogue changes, not the seats: every enrolment in a session changes its seats, and reading the module
	// again (its sessions, audiences, tracks) after each of them was work on the hot session's path. A refusal
	// shows the page with fresh seats (below).
	m, err := s.catalogue.ModuleToEnrol(ctx, slug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	code := http.StatusUnprocessableEntity
	var out enrolment.Outcome
	if m.Dated() {
		raw := f.Text("session", "Session", 20, false)
		id := input.ID(raw)
		switch {
		case !f.Valid():
		case raw == "":
			f.Fail("session", "Choisissez une session dans la liste.")
		case id == 0:
			f.Fail("session", "La session choisie n’est pas valide : choisissez-en une dans la liste.")
		default:
			if !s.sessionOfModule(ctx, m, id) {
				f.Fail("session", "Cette session n’appartient pas à ce module : choisissez-en une dans la liste.")
				break
			}
			// The line manager, for a session that requires approval (the store ignores it otherwise). Naming an
			// address makes the portal mail it: limited per agent and per address named.
			manager := strings.ToLower(f.Text("responsable", "Adresse de votre responsable hiérarchique", 254, false))
			if manager != "" {
				if over, lerr := s.limited(w, r, f, hit{limitApprovalAgent, strconv.FormatInt(u.ID, 10)},
					mailTo(limitApprovalManager, manager)); lerr != nil {
					s.fail(w, r, lerr)
					return
				} else if over {
					code = http.StatusTooManyRequests
					break
				}
			}
			out, err = s.store.EnrolInSession(ctx, u.ID, id, manager)
			metrics.Enrolment(enrolmentOutcome(out, err))
		}
	} else {
		out, err = s.store.EnrolOnline(ctx, u.ID, m.ID)
		metrics.Enrolment(enrolmentOutcome(out, err))
	}
	if err := f.Refuse(err); err != nil {
		s.fail(w, r, err)
		return
	}
	if !f.Valid() {
		if m, err = s.store.ModuleBySlug(ctx, m.Slug); err != nil { // fresh seats for the page shown again
			s.fail(w, r, err)
			return
		}
		s.renderModulePage(w, r, code, m, f.State())
		return
	}
	if m.Dated() && (out.Enrolment.Status == enrolment.Confirmed || out.Enrolment.Status == enrolment.Held || out.Left != nil) {
		s.invalidate("seats")
	}
	s.flashTo(w, r, "/modules/"+m.Slug+"#inscription", flashKind(out), enrolFlash(out))
}

// sessionOfModule reports whether a session belongs to the module (among its upcoming ones, or in the database).
func (s *Server) sessionOfModule(ctx context.Context, m catalogue.Module, id int64) bool {
	for _, x := range m.Sessions {
		if x.ID == id {
			return true
		}
	}
	moduleID, err := s.store.SessionModuleID(ctx, id)
	return err == nil && moduleID == m.ID
}

func flashKind(out enrolment.Outcome) string {
	if out.Already || out.Enrolment.Status == enrolment.Waitlisted || out.Enrolment.Status == enrolment.Held {
		return "info"
	}
	return "success"
}

func enrolFlash(out enrolment.Outcome) string {
	e := out.Enrolment
	when := ""
	if e.HasSession() {
		when = catalogue.SpanAfterDu(e.Session.StartsAt, e.Session.EndsAt)
	}
	var msg string
	switch {
	case out.Already && e.Status == enrolment.Waitlisted:
		msg = "Vous êtes déjà en liste d’attente pour la session " + when + ", en position " + strconv.Itoa(e.Position) + "."
	case out.Already && e.HasSession():
		msg = "Vous êtes déjà inscrit·e à la session " + when + "."
	case out.Already:
		msg = "Vous êtes déjà inscrit·e à ce module."
	case out.Already && e.Status == enrolment.Held:
		msg = "Vous avez déjà une place réservée à la session " + when + ", en attente de l’accord de votre responsable."
	case e.Status == enrolment.Held:
		msg = "Une place vous est réservée à la session " + when + " : votre responsable hiérarchique a reçu un courriel pour donner son accord"
		if e.Approval != nil {
			msg += " avant le " + catalogue.ShortDate(e.Approval.ExpiresAt) + " à " + catalogue.Clock(e.Approval.ExpiresAt)
		}
		msg += ". Vous serez prévenu·e de sa réponse par courriel."
	case e.Status == enrolment.Waitlisted:
		msg = "La session " + when + " est complète : vous êtes en liste d’attente, en position " + strconv.Itoa(e.Position) +
			". Vous serez prévenu·e par courriel si une place se libère."
	case e.HasSession():
		msg = "Inscription confirmée pour la session " + when + ". Un courriel de confirmation vous a été envoyé."
	default:
		msg = "Inscription confirmée : le lien vers le contenu en ligne est affiché ci-dessous."
	}
	if out.Left != nil {
		msg += " Vous avez quitté la liste d’attente de la session " + catalogue.SpanAfterDu(out.Left.Session.StartsAt, out.Left.Session.EndsAt) + "."
	}
	return msg
}

// enrolTrack enrols the agent in a track's modules, then shows "Mes formations"; a refusal goes back to the
// track page with its reason.
func (s *Server) enrolTrack(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	slug, err := slugParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.store.TrackBySlug(r.Context(), slug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.store.EnrolTrack(r.Context(), u.ID, t.ID)
	if ref, _ := refused(err); ref != nil {
		kind := "error"
		if ref.Code == enrolment.CodeTrackNothingNew {
			kind = "info"
		}
		s.flash(r, kind, ref.Message)
		back := "/parcours/" + t.Slug
		if t.Tailored() {
			back = "/programmes-sur-mesure/" + t.Slug
		}
		http.Redirect(w, r, back+"#inscription", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "Vous êtes inscrit·e au parcours « " + t.Title + " »"
	switch {
	case len(out.Online) > 0 && len(out.ToSchedule) > 0:
		msg += " : " + catalogue.Plural(len(out.Online), "module en ligne ouvert", "modules en ligne ouverts") + ", " +
			catalogue.Plural(len(out.ToSchedule), "module à planifier", "modules à planifier") + " (choisissez une session pour chacun)."
	case len(out.ToSchedule) > 0:
		msg += " : choisissez une session pour " + catalogue.Plural(len(out.ToSchedule), "module", "modules") + "."
	default:
		msg += " : " + catalogue.Plural(len(out.Online), "module en ligne ouvert", "modules en ligne ouverts") + "."
	}
	s.flashTo(w, r, "/mes-formations", "success", msg)
}

// ownEnrolment loads the enrolment of the route for its owner, or for an admin; anyone else gets "not found"
// (never 403: whether an enrolment exists is nobody else's business).
func (s *Server) ownEnrolment(r *http.Request) (enrolment.Enrolment, error) {
	u, _ := CurrentUser(r)
	id, err := idParam(r, "id")
	if err != nil {
		return enrolment.Enrolment{}, err
	}
	e, err := s.store.Enrolment(r.Context(), id)
	if err != nil {
		return e, err
	}
	if e.UserID != u.ID && !u.Has(account.RoleAdmin) {
		return enrolment.Enrolment{}, apperr.ErrNotFound
	}
	return e, nil
}

// RunEnrolmentJobs runs, every minute until ctx ends, the reminders two days before a session (each queued
// once), the reminders and expiries of line-manager approvals (approval.go) and the promotion of waitlists into
// seats freed by deleted accounts. `serve` starts it; it is safe with
// several instances.
func (s *Server) RunEnrolmentJobs(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := s.store.QueueReminders(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("enrolment: queueing reminders", "err", err)
		} else if n > 0 {
			s.log.Info("enrolment: reminders queued", "count", n)
		}
		if n, err := s.store.RemindApprovals(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("enrolment: approval reminders", "err", err)
		} else if n > 0 {
			s.log.Info("enrolment: approval reminders queued", "count", n)
		}
		if n, err := s.store.ExpireApprovals(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			s.log.Error("enrolment: expiring approvals", "err", err)
		} else if n > 0 {
			s.log.Info("enrolment: approval holds expired", "count", n)
			s.invalidate("seats")
		}
		if n, err := s.store.QueueColdSurveys(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("enrolment: à froid surveys", "err", err)
		} else if n > 0 {
			s.log.Info("enrolment: à froid surveys queued", "count", n)
		}
		if n, err := s.store.FillFreedSeats(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			s.log.Error("enrolment: filling freed seats", "err", err)
		} else if n > 0 {
			s.invalidate("seats")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// declareCompletion records, on the agent's word, that they finished an online module of theirs.
func (s *Server) declareCompletion(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	e, err := s.store.DeclareCompletion(r.Context(), u.ID, id)
	if s.refusedTo(w, r, "/mes-formations", err) {
		return
	}
	s.flashTo(w, r, "/mes-formations", "success", "« "+e.Module.Title+" » est terminé : ses heures comptent dans vos formations suivies et son attestation "+
		"indique que vous l’avez déclaré. L’équipe du Campus peut le corriger.")
}
