package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/internal/enrolment"
	"campus/internal/postgres"
	"campus/templates"
)

// Line-manager approval, the manager's side: the page of the single-use link mailed to them (no account needed)
// and, for a manager with a Campus account, "Les demandes de mon équipe". The link's token is the credential:
// it is never logged (the access log names the route pattern), the page is neither cached nor indexed and sends
// no referrer, its canonical URL drops it. Opening the link decides nothing (mail scanners open links): the
// decision is a POST of the page's form, which the cross-origin protection covers like every POST.

func (s *Server) approvalRoutes(r chi.Router) {
	r.With(privateLink).Get("/accord/{token}", s.approvalPage)
	r.With(privateLink).Post("/accord/{token}", s.approvalDecide)
	r.Group(func(r chi.Router) {
		r.Use(s.requireUser)
		r.Get("/mes-formations/equipe", s.teamApprovals)
		r.Post("/mes-formations/equipe/{id}", s.teamDecide)
	})
}

// approvalByLink finds the request of the route's token; an unknown or malformed token is a 404 page.
func (s *Server) approvalByLink(w http.ResponseWriter, r *http.Request) (enrolment.ApprovalRequest, []byte, bool) {
	token := chi.URLParam(r, "token")
	if !account.PlausibleToken(token) {
		s.linkProblem(w, r, apperr.ErrNotFound, "Demande d’accord", templates.Crumb{Label: "Le Campus", Href: "/"})
		return enrolment.ApprovalRequest{}, nil, false
	}
	hash := account.HashToken(token)
	req, err := s.store.ApprovalByToken(r.Context(), hash)
	if err != nil {
		s.linkProblem(w, r, err, "Demande d’accord", templates.Crumb{Label: "Le Campus", Href: "/"})
		return req, nil, false
	}
	return req, hash, true
}

func (s *Server) approvalView(r *http.Request, req enrolment.ApprovalRequest) templates.ApprovalView {
	p := s.page(r, "", "Demande d’accord pour une formation", "", templates.Crumb{Label: "Demande d’accord"})
	v := templates.ApprovalView{Page: p, Request: req, Action: r.URL.EscapedPath()}
	if err := enrolment.CheckDecision(req.Approval, req.Enrolment, time.Now()); err != nil {
		v.Refusal = err.Error()
	} else {
		v.CanDecide = true
	}
	return v
}

func (s *Server) approvalPage(w http.ResponseWriter, r *http.Request) {
	req, _, ok := s.approvalByLink(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, templates.Approval(s.approvalView(r, req)))
}

// readDecision reads the approve / refuse form.
func readDecision(f *Form) (postgres.Decision, bool) {
	var d postgres.Decision
	d.Message = f.Multiline("message", "Message à l’agent", enrolment.MaxApprovalMessage, false)
	switch f.Text("decision", "Décision", 10, false) {
	case "accord":
		d.Approve = true
	case "refus":
	default:
		f.FailForm("Choisissez « Donner mon accord » ou « Refuser ».")
	}
	return d, f.Valid()
}

func (s *Server) approvalDecide(w http.ResponseWriter, r *http.Request) {
	f := s.readForm(w, r)
	req, hash, ok := s.approvalByLink(w, r)
	if !ok {
		return
	}
	d, valid := readDecision(f)
	if valid {
		done, err := s.store.DecideApprovalByToken(r.Context(), hash, d)
		if ref, err := refused(err); ref != nil {
			if ref.Field == "message" {
				f.Refuse(ref)
			} else {
				// Decided or expired meanwhile: the page says so, from the request as it is now.
				if req, err = s.store.ApprovalByToken(r.Context(), hash); err != nil {
					s.fail(w, r, err)
					return
				}
				v := s.approvalView(r, req)
				v.Refusal = ref.Message
				s.render(w, r, http.StatusConflict, templates.Approval(v))
				return
			}
		} else if err != nil {
			s.fail(w, r, err)
			return
		} else {
			s.invalidate("seats")
			v := s.approvalView(r, done)
			v.Refusal, v.Done = "", true
			s.render(w, r, http.StatusOK, templates.Approval(v))
			return
		}
	}
	v := s.approvalView(r, req)
	v.Form = f.State()
	s.render(w, r, http.StatusUnprocessableEntity, templates.Approval(v))
}

// teamApprovals is "Les demandes de mon équipe": the requests addressed to the signed-in user's address, when
// proven.
func (s *Server) teamApprovals(w http.ResponseWriter, r *http.Request) {
	s.renderTeamApprovals(w, r, http.StatusOK, "")
}

func (s *Server) renderTeamApprovals(w http.ResponseWriter, r *http.Request, status int, refusal string) {
	u, _ := CurrentUser(r)
	w.Header().Set("Cache-Control", "no-store")
	v := templates.TeamApprovalsView{Page: s.page(r, "", "Les demandes de mon équipe", "",
		templates.Crumb{Label: "Mes formations", Href: "/mes-formations"}, templates.Crumb{Label: "Les demandes de mon équipe"}),
		Email: u.Email, Verified: u.Verified(), Error: refusal}
	if v.Verified {
		var err error
		if v.Pending, v.Decided, err = s.store.TeamApprovals(r.Context(), u.Email); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, status, templates.TeamApprovals(v))
}

func (s *Server) teamDecide(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	id, f, ok := s.postedID(w, r)
	if !ok {
		return
	}
	if !u.Verified() {
		s.fail(w, r, apperr.ErrNotFound)
		return
	}
	d, valid := readDecision(f)
	if !valid {
		st := f.State()
		msg := st.Message
		for _, name := range st.Order {
			msg = strings.TrimSpace(msg + " " + st.Errors[name])
		}
		s.renderTeamApprovals(w, r, http.StatusUnprocessableEntity, msg)
		return
	}
	d.Actor = admin.Actor{ID: u.ID, Name: u.DisplayName()}
	done, err := s.store.DecideTeamApproval(r.Context(), id, u.Email, d)
	if ref, _ := refused(err); ref != nil {
		s.renderTeamApprovals(w, r, http.StatusConflict, ref.Message)
		return
	}
	if err != nil {
		s.fail(w, r, err) // another manager's request: not found
		return
	}
	s.invalidate("seats")
	what := "Accord donné"
	if !d.Approve {
		what = "Refus enregistré"
	}
	s.flashTo(w, r, "/mes-formations/equipe", "success", what+" pour "+done.Enrolment.Person.Email+" (« "+done.Enrolment.Module.Title+" », demande n° "+strconv.FormatInt(id, 10)+") : l’agent est prévenu·e par courriel.")
}
