package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"campus/internal/apperr"
	"campus/internal/catalogue"
	lic "campus/internal/licence"
	"campus/internal/metrics"
	"campus/templates"
)

// Partner licences, the agent's side: the box of a partner's page, the request, the agent's licences page.

func (s *Server) licenceRoutes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(s.requireUser)
		r.Post("/partenaires/{slug}/licence", s.requestLicence)
		r.Get("/mes-licences", s.myLicences)
		r.Post("/mes-licences/{id}/annuler", s.cancelLicence)
	})
}

// licenceOffer builds the licence box of a partner's page, or of the page of one of its modules: nothing when
// the partner has no current pool.
func (s *Server) licenceOffer(r *http.Request, partnerSlug string) (templates.LicenceOffer, error) {
	var o templates.LicenceOffer
	if partnerSlug == "" {
		return o, nil
	}
	pool, err := s.store.CurrentLicencePool(r.Context(), partnerSlug)
	if errors.Is(err, apperr.ErrNotFound) {
		return o, nil
	}
	if err != nil {
		return o, err
	}
	o.Pool, o.Period = &pool, pool.Period(time.Now().In(catalogue.Paris))
	o.Action = "/partenaires/" + partnerSlug + "/licence"
	o.Login = "/connexion?suivant=" + url.QueryEscape(r.URL.Path+"#licence")
	if u, ok := CurrentUser(r); ok {
		o.SignedIn = true
		req, err := s.store.OpenLicenceRequest(r.Context(), pool.ID, u.ID)
		switch {
		case err == nil:
			o.Request = &req
		case !errors.Is(err, apperr.ErrNotFound):
			return o, err
		}
	}
	return o, nil
}

// requestLicence asks for a licence of the partner's current pool.
func (s *Server) requestLicence(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	slug, err := slugParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.store.PartnerBySlug(r.Context(), slug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/partenaires/" + slug + "#licence"
	pool, err := s.store.CurrentLicencePool(r.Context(), slug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	req, err := s.store.RequestLicence(r.Context(), pool.ID, u)
	metrics.Licence(licenceOutcome(req, err))
	switch {
	case errors.Is(err, lic.ErrPoolClosed):
		s.flashTo(w, r, back, "warning", "Les demandes de licence "+p.Partner.Name+" ne sont pas ouvertes aujourd’hui : le lot est valable du "+
			catalogue.ShortDate(pool.ValidFrom)+" au "+catalogue.ShortDate(pool.ValidUntil)+".")
		return
	case errors.Is(err, lic.ErrUnverified):
		s.flashTo(w, r, back, "warning", "Confirmez d’abord votre adresse électronique (depuis « Mon compte ») : les licences ne sont attribuées qu’aux comptes dont l’adresse est confirmée.")
		return
	case errors.Is(err, lic.ErrNotPublicAgent):
		s.flashTo(w, r, back, "warning", "Les licences "+p.Partner.Name+" achetées par l’État sont réservées aux agents publics. Connectez-vous avec "+
			"ProConnect, ou donnez à votre compte votre adresse professionnelle (depuis « Mon compte ») : son domaine doit être celui "+
			"d’une administration. Si le vôtre n’est pas reconnu, écrivez à l’équipe du Campus.")
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	if req.Status == lic.StatusAllocated {
		s.flash(r, "success", "Une licence "+p.Partner.Name+" vous est attribuée. Votre code et sa validité sont ci-dessous ; un courriel vous a été envoyé.")
	} else {
		s.flash(r, "info", "Toutes les licences "+p.Partner.Name+" sont attribuées pour le moment : votre demande est enregistrée en position "+
			strconv.Itoa(req.Position)+" de la file. Vous serez prévenu(e) par courriel dès qu’une licence vous sera attribuée.")
	}
	http.Redirect(w, r, "/mes-licences", http.StatusSeeOther)
}

func (s *Server) myLicences(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	rs, err := s.store.UserLicences(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	offers, err := s.store.OpenLicencePools(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.MyLicences(templates.MyLicencesView{
		Page:     s.page(r, "", "Mes licences", "", templates.Crumb{Label: "Mon compte", Href: "/compte"}, templates.Crumb{Label: "Mes licences"}),
		Requests: rs, Offers: offers}))
}

// cancelLicence withdraws the agent's waiting request or gives their licence back.
func (s *Server) cancelLicence(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	id, err := idParam(r, "id")
	if err != nil {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	was, err := s.store.CancelLicence(r.Context(), id, u.ID)
	switch {
	case errors.Is(err, lic.ErrNotWaiting):
		s.flash(r, "info", "Cette demande est déjà close.")
	case err != nil:
		s.fail(w, r, err)
		return
	case was == lic.StatusAllocated:
		s.flash(r, "success", "Votre licence est rendue : elle va à l’agent suivant. Merci !")
	default:
		s.flash(r, "success", "Votre demande de licence est annulée.")
	}
	http.Redirect(w, r, "/mes-licences", http.StatusSeeOther)
}
