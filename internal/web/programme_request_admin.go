package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"campus/internal/apperr"
	"campus/internal/input"
	"campus/internal/programme"
	"campus/templates"
)

// Tailored programmes, the back-office: the requests and their workflow (reçue → en étude → proposée →
// acceptée / déclinée) with notes and mails; acceptance creates the programme.

func (s *Server) programmeRequestAdminRoutes(r chi.Router) {
	r.Get("/demandes-sur-mesure", s.adminProgrammeRequests)
	r.Get("/demandes-sur-mesure/{id}", s.adminProgrammeRequest)
	r.Post("/demandes-sur-mesure/{id}/statut", s.adminProgrammeRequestChange)
	r.Post("/demandes-sur-mesure/{id}/modules/{module}", s.adminMoveProposalModule)
}

func (s *Server) adminProgrammeRequests(w http.ResponseWriter, r *http.Request) {
	st := r.URL.Query().Get("statut")
	valid := false
	for _, x := range programme.Statuses {
		valid = valid || x == st
	}
	if !valid {
		st = programme.StatusReceived
	}
	rs, err := s.store.ProgrammeRequests(r.Context(), st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts, err := s.store.ProgrammeRequestCounts(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := templates.AdminProgrammeRequestsView{Status: st, Counts: counts, Requests: rs,
		Page: s.adminPage(r, "Demandes de programmes sur mesure", templates.Crumb{Label: "Demandes sur mesure"})}
	s.render(w, r, http.StatusOK, templates.AdminProgrammeRequests(v))
}

func transitionOptions(status string) []templates.Option {
	var out []templates.Option
	for _, t := range programme.Transitions(status) {
		out = append(out, templates.Option{Value: t.To, Label: t.Label})
	}
	return out
}

// moduleGroups are the published modules by domain (in the domains' order), for a proposal, and the flat
// list of their options.
func (s *Server) moduleGroups(r *http.Request) ([]templates.ModuleGroup, []templates.Option, error) {
	ds, err := s.store.ListDomains(r.Context())
	if err != nil {
		return nil, nil, err
	}
	ms, err := s.store.ProposalModules(r.Context())
	if err != nil {
		return nil, nil, err
	}
	index := map[string]int{}
	var groups []templates.ModuleGroup
	for _, d := range ds {
		index[d.Slug] = len(groups)
		groups = append(groups, templates.ModuleGroup{Label: d.Title})
	}
	var all []templates.Option
	for _, m := range ms {
		o := templates.Option{Value: strconv.FormatInt(m.ID, 10), Label: m.Title}
		all = append(all, o)
		if i, ok := index[m.Domain.Slug]; ok {
			groups[i].Options = append(groups[i].Options, o)
		}
	}
	out := groups[:0]
	for _, g := range groups {
		if len(g.Options) > 0 {
			out = append(out, g)
		}
	}
	return out, all, nil
}

func (s *Server) renderAdminProgrammeRequest(w http.ResponseWriter, r *http.Request, status int, id int64, f templates.FormState) {
	req, err := s.store.ProgrammeRequest(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := "Demande sur mesure : " + req.Administration + " – Administration"
	if f.Failed() {
		title = "Erreur - " + title
	}
	v := templates.AdminProgrammeRequestView{Request: req, Transitions: transitionOptions(req.Status), Form: f,
		Page: s.adminPage(r, title,
			templates.Crumb{Label: "Demandes sur mesure", Href: "/admin/demandes-sur-mesure?statut=" + req.Status}, templates.Crumb{Label: req.Administration})}
	if programme.CanTransition(req.Status, programme.StatusProposed) {
		if v.Modules, _, err = s.moduleGroups(r); err != nil {
			s.fail(w, r, err)
			return
		}
		if v.Form.Values == nil {
			// Start the proposal from the request (and the previous proposal, when the study resumes).
			v.Form.Values = map[string]string{"title": req.ProposalTitle, "proposal": req.Proposal}
			if v.Form.Values["title"] == "" {
				v.Form.Values["title"] = "Programme " + req.Administration
			}
			var ids []string
			for _, m := range req.Modules {
				ids = append(ids, strconv.FormatInt(m.ID, 10))
			}
			v.Form.Values["modules"] = joinLines(ids)
		}
	}
	s.render(w, r, status, templates.AdminProgrammeRequest(v))
}

func joinLines(vs []string) string {
	s := ""
	for i, v := range vs {
		if i > 0 {
			s += "\n"
		}
		s += v
	}
	return s
}

func (s *Server) adminProgrammeRequest(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	s.renderAdminProgrammeRequest(w, r, http.StatusOK, id, templates.FormState{})
}

func (s *Server) adminProgrammeRequestChange(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	req, err := s.store.ProgrammeRequest(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	c := programme.Change{}
	c.To = f.Choice("to", "Nouveau statut", transitionOptions(req.Status), true)
	c.Message = f.Multiline("message", "Message à l’administration", programme.MaxText, false)
	c.Note = f.Multiline("note", "Note interne", programme.MaxText, false)
	if programme.CanTransition(req.Status, programme.StatusProposed) {
		_, all, err := s.moduleGroups(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		c.Title = f.Prose("title", "Titre du programme", programme.MaxTitle, false)
		c.Proposal = f.ProseMultiline("proposal", "Proposition", programme.MaxText, false)
		for _, v := range f.Choices("modules", "Modules", all, 0) {
			c.Modules = append(c.Modules, input.ID(v)) // one of the options
		}
		// The modules of the previous proposal keep the order given to them; the new ones follow.
		c.Modules = keepOrder(c.Modules, req.Modules)
	}
	if programme.CanTransition(req.Status, programme.StatusAccepted) {
		vis := f.Choice("visibility", "Visibilité du programme", []templates.Option{{Value: "public"}, {Value: "reserve"}}, c.To == programme.StatusAccepted)
		c.Public = vis == "public"
	}
	if f.Valid() {
		for field, msg := range c.Check() {
			f.Fail(field, msg)
		}
	}
	if len(transitionOptions(req.Status)) == 0 {
		f.FailForm("Cette demande est close : son statut ne change plus.")
	}
	if !f.Valid() {
		s.renderAdminProgrammeRequest(w, r, http.StatusUnprocessableEntity, id, f.State())
		return
	}
	changed, err := s.store.ChangeProgrammeRequest(r.Context(), id, c, adminActor(r))
	switch {
	case errors.Is(err, programme.ErrTransition):
		f.Refuse(err)
		s.renderAdminProgrammeRequest(w, r, http.StatusConflict, id, f.State())
		return
	case errors.Is(err, programme.ErrUnknownModule) || errors.Is(err, apperr.ErrConflict):
		f.Refuse(programme.ErrUnknownModule)
		s.renderAdminProgrammeRequest(w, r, http.StatusUnprocessableEntity, id, f.State())
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	msg := "La demande est maintenant « " + programme.StatusLabel(changed.Status) + " » ; un courriel a été envoyé à " + changed.ContactEmail + "."
	if changed.Track != nil {
		msg += " Le programme « " + changed.Track.Title + " » est créé."
	}
	s.flashTo(w, r, "/admin/demandes-sur-mesure/"+strconv.FormatInt(id, 10), "success", msg)
}

// keepOrder orders the chosen module ids as the previous proposal had them, the new ones after in their order.
func keepOrder(chosen []int64, previous []programme.Ref) []int64 {
	rank := map[int64]int{}
	for i, m := range previous {
		rank[m.ID] = i + 1
	}
	out := slices.Clone(chosen)
	slices.SortStableFunc(out, func(a, b int64) int {
		ra, rb := rank[a], rank[b]
		switch {
		case ra == 0 && rb == 0:
			return 0
		case ra == 0:
			return 1
		case rb == 0:
			return -1
		}
		return ra - rb
	})
	return out
}

// adminMoveProposalModule moves a module of the proposal one place up or down ("action": monter, descendre).
func (s *Server) adminMoveProposalModule(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	moduleID, merr := idParam(r, "module")
	if err != nil || merr != nil {
		s.fail(w, r, apperr.ErrNotFound)
		return
	}
	f := s.readForm(w, r)
	back := "/admin/demandes-sur-mesure/" + strconv.FormatInt(id, 10) + "#proposition"
	action := f.Hidden("action")
	if action != "monter" && action != "descendre" {
		s.flashTo(w, r, back, "error", "Action inconnue : utilisez les boutons Monter ou Descendre.")
		return
	}
	if s.refusedTo(w, r, back, s.store.MoveProposalModule(r.Context(), id, moduleID, action == "monter", adminActor(r))) {
		return
	}
	s.flashTo(w, r, back, "success", map[string]string{"monter": "Le module est monté d’un rang.", "descendre": "Le module est descendu d’un rang."}[action])
}
