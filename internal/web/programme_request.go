package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"campus/internal/account"
	"campus/internal/programme"
	"campus/templates"
)

// Tailored programmes, the administration's side: the request form, the follow-up page of its personal link,
// and the restricted programmes open to the signed-in account (postgres.RestrictedProgrammes).

func (s *Server) programmeRequestRoutes(r chi.Router) {
	r.Get("/programmes-sur-mesure/demande", s.programmeRequestPage)
	r.Post("/programmes-sur-mesure/demande", s.programmeRequestSubmit)
	r.Get(programmeRequestSentPath, s.programmeRequestSent)
	r.With(privateLink).Get("/programmes-sur-mesure/suivi/{token}", s.programmeRequestFollow)
	r.With(privateLink).Post("/programmes-sur-mesure/suivi/{token}", s.programmeRequestAnswer)
	r.With(s.requireUser).Get("/programmes-sur-mesure/reserves", s.restrictedProgrammes)
}

// audienceOptions are the catalogue's audiences, for checkbox groups.
func (s *Server) audienceOptions(r *http.Request) ([]templates.Option, error) {
	as, err := s.store.RequestAudiences(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]templates.Option, 0, len(as))
	for _, a := range as {
		out = append(out, templates.Option{Value: a.Slug, Label: a.Label})
	}
	return out, nil
}

// requestOptions are the choices of the request form: the published domains and the audiences.
func (s *Server) requestOptions(r *http.Request) (domains, audiences []templates.Option, err error) {
	if domains, err = s.domainOptions(r); err != nil {
		return nil, nil, err
	}
	audiences, err = s.audienceOptions(r)
	return domains, audiences, err
}

func (s *Server) renderProgrammeRequest(w http.ResponseWriter, r *http.Request, status int, f templates.FormState) {
	domains, audiences, err := s.requestOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := "Demander un programme sur mesure"
	if f.Failed() {
		title = "Erreur - " + title
	}
	s.render(w, r, status, templates.ProgrammeRequestForm(templates.ProgrammeRequestFormView{Form: f, Domains: domains, Audiences: audiences,
		Page: s.page(r, "programmes", title, "Demandez au Campus un programme de formation conçu pour votre administration.",
			templates.Crumb{Label: "Programmes sur mesure", Href: "/programmes-sur-mesure"}, templates.Crumb{Label: "Demander un programme"})}))
}

func (s *Server) programmeRequestPage(w http.ResponseWriter, r *http.Request) {
	f := templates.FormState{}
	if u, ok := CurrentUser(r); ok {
		f.Values = map[string]string{"administration": u.Administration, "contact_name": u.DisplayName(), "contact_email": u.Email}
		if u.DisplayName() == u.Email {
			f.Values["contact_name"] = ""
		}
	}
	s.renderProgrammeRequest(w, r, http.StatusOK, f)
}

func (s *Server) programmeRequestSubmit(w http.ResponseWriter, r *http.Request) {
	domains, audiences, err := s.requestOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	req := programme.Request{
		Administration: f.Text("administration", "Administration", programme.MaxAdministration, true),
		ContactName:    f.Text("contact_name", "Votre nom", programme.MaxName, true),
		ContactRole:    f.Text("contact_role", "Votre fonction", programme.MaxRole, false),
		ContactEmail:   f.Email("contact_email"),
		ContactPhone:   f.Text("contact_phone", "Téléphone", programme.MaxPhone, false),
		Need:           f.Multiline("need", "Votre besoin", programme.MaxText, true),
	}
	if req.ContactPhone != "" && !plausiblePhone(req.ContactPhone) {
		f.Fail("contact_phone", "Le numéro de téléphone n’est pas valide : saisissez des chiffres, par exemple 01 23 45 67 89.")
	}
	for _, a := range f.Choices("audiences", "Publics concernés", audiences, 1) {
		req.Audiences = append(req.Audiences, programme.Ref{Slug: a})
	}
	req.Audience = f.Text("audience", "Le public visé", programme.MaxRole, false)
	req.Headcount = f.Int("headcount", "Nombre d’agents à former", 1, programme.MaxHeadcount, true)
	for _, d := range f.Choices("domains", "Domaines", domains, 1) {
		req.Domains = append(req.Domains, programme.Ref{Slug: d})
	}
	req.Timing = f.Text("timing", "Calendrier souhaité", programme.MaxRole, true)
	f.Checked("consent", true, "Cochez cette case pour que nous puissions étudier votre demande.")
	again := func(status int) { s.renderProgrammeRequest(w, r, status, f.State()) }
	if !s.admitted(w, r, f, again, hit{limitProgrammeIP, s.clientIP(r)}, mailTo(limitMailRecipient, req.ContactEmail)) {
		return
	}
	u, signedIn := CurrentUser(r)
	_, tok, err := s.store.SubmitProgrammeRequest(r.Context(), req, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The follow-up link is the contact's credential: it shows the team's messages and answers its proposals. Typing
	// an address does not prove it: the link goes to the address by mail, and this answer shows it only to an
	// account that has proved that address.
	if signedIn && u.Verified() && strings.EqualFold(u.Email, req.ContactEmail) {
		s.flashTo(w, r, "/programmes-sur-mesure/suivi/"+tok, "success", "Votre demande est enregistrée. Gardez l’adresse de cette page : elle vous permet de suivre votre demande ; elle vous a aussi été envoyée par courriel.")
		return
	}
	s.mailSent(w, r, req.ContactEmail, programmeRequestSentPath)
}

const programmeRequestSentPath = "/programmes-sur-mesure/demande/envoyee"

// programmeRequestSent is the answer to a request whose contact address the requester has not proved: the
// follow-up link is in the mail sent to that address.
func (s *Server) programmeRequestSent(w http.ResponseWriter, r *http.Request) {
	text := s.sentText(r, "Nous avons envoyé le lien de suivi de votre demande par courriel.",
		"Nous avons envoyé le lien de suivi de votre demande à ", ".")
	s.render(w, r, http.StatusOK, templates.Message(templates.MessageView{
		Page: s.page(r, "programmes", "Demande enregistrée", "",
			templates.Crumb{Label: "Programmes sur mesure", Href: "/programmes-sur-mesure"}, templates.Crumb{Label: "Demande enregistrée"}),
		Heading: "Votre demande est enregistrée", Kind: "success", Title: "Consultez votre messagerie", Text: text,
		Paragraphs: []string{
			"Ouvrez le lien de ce courriel pour suivre l’étude de votre demande et répondre aux propositions de l’équipe du Campus. Ce lien est personnel : ne le partagez pas.",
			"Rien reçu après quelques minutes ? Vérifiez vos courriels indésirables et l’adresse saisie dans la demande.",
		},
		Links: []templates.Crumb{{Label: "Programmes sur mesure", Href: "/programmes-sur-mesure"}, {Label: "Retour à l’accueil", Href: "/"}}}))
}

// plausiblePhone accepts French and international numbers: digits, spaces, dots, dashes, an initial +.
func plausiblePhone(p string) bool {
	digits := 0
	for i, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '.' || r == '-' || (r == '+' && i == 0) || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits >= 6 && digits <= 15
}

func (s *Server) programmeRequestFollow(w http.ResponseWriter, r *http.Request) {
	tok := chi.URLParam(r, "token")
	if !account.PlausibleToken(tok) {
		s.notFound(w, r)
		return
	}
	req, err := s.store.ProgrammeRequestByFollowHash(r.Context(), account.HashToken(tok))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderFollow(w, r, http.StatusOK, req, templates.FormState{})
}

func (s *Server) renderFollow(w http.ResponseWriter, r *http.Request, status int, req programme.Request, form templates.FormState) {
	title := "Suivi de votre demande de programme sur mesure"
	if form.Failed() {
		title = "Erreur - " + title
	}
	s.render(w, r, status, templates.ProgrammeRequestFollow(templates.ProgrammeRequestFollowView{Request: req, Form: form,
		Action: r.URL.Path, Answers: answerOptions(),
		Page: s.page(r, "programmes", title, "",
			templates.Crumb{Label: "Programmes sur mesure", Href: "/programmes-sur-mesure"}, templates.Crumb{Label: "Suivi de votre demande"})}))
}

func answerOptions() []templates.Option {
	return []templates.Option{
		{Value: programme.AnswerAccept, Label: "J’accepte la proposition", Hint: "L’équipe du Campus crée alors votre programme."},
		{Value: programme.AnswerChanges, Label: "Je souhaite des modifications", Hint: "Dites lesquelles ci-dessous : l’équipe reprend l’étude."},
		{Value: programme.AnswerDecline, Label: "Je décline la proposition", Hint: "La demande est close."},
	}
}

// programmeRequestAnswer records the requester's answer to a proposal, from the follow-up page (its link is the
// requester's proof: only the contact's mailbox, or an account that proved its address, received it).
func (s *Server) programmeRequestAnswer(w http.ResponseWriter, r *http.Request) {
	tok := chi.URLParam(r, "token")
	if !account.PlausibleToken(tok) {
		s.notFound(w, r)
		return
	}
	hash := account.HashToken(tok)
	req, err := s.store.ProgrammeRequestByFollowHash(r.Context(), hash)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	answer := f.Choice("reponse", "Votre réponse", answerOptions(), true)
	message := f.Multiline("message", "Votre message", programme.MaxText, false)
	if answer == programme.AnswerChanges && message == "" && f.State().Errors["message"] == "" {
		f.Fail("message", "Dites quelles modifications vous souhaitez.")
	}
	if !f.Valid() {
		s.renderFollow(w, r, http.StatusUnprocessableEntity, req, f.State())
		return
	}
	_, err = s.store.AnswerProgrammeRequest(r.Context(), hash, answer, message)
	switch {
	case errors.Is(err, programme.ErrAnswered), errors.Is(err, programme.ErrTransition):
		s.flash(r, "info", "Cette proposition a déjà reçu une réponse, ou n’attend plus la vôtre : voici où en est votre demande.")
	case err != nil:
		s.fail(w, r, err)
		return
	case answer == programme.AnswerAccept:
		s.flash(r, "success", "Merci : votre acceptation est enregistrée. L’équipe du Campus crée votre programme et vous écrit dès qu’il est prêt.")
	case answer == programme.AnswerChanges:
		s.flash(r, "success", "Votre demande de modifications est transmise : l’équipe du Campus reprend l’étude et vous enverra une nouvelle proposition.")
	default:
		s.flash(r, "success", "Votre réponse est enregistrée : la demande est close. Vous pouvez en déposer une nouvelle à tout moment.")
	}
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
}

// viewer is what is verified about an account: the only facts that open a restricted programme (never the
// administration typed in the profile).
func viewer(u account.User) programme.Viewer {
	v := programme.Viewer{Email: u.Email, EmailVerified: u.Verified()}
	if u.ProConnectSub != "" { // users.siret comes from ProConnect's sign-ins only
		v.SIRET = u.SIRET
	}
	return v
}

func (s *Server) restrictedProgrammes(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	v := viewer(u)
	ps, err := s.store.RestrictedProgrammes(r.Context(), v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.RestrictedProgrammes(templates.RestrictedProgrammesView{Programmes: ps,
		SIRET: v.SIRET, Email: u.Email, EmailVerified: v.EmailVerified, ProConnect: s.proConnectEnabled(),
		Page: s.page(r, "programmes", "Programmes réservés à votre administration", "",
			templates.Crumb{Label: "Programmes sur mesure", Href: "/programmes-sur-mesure"}, templates.Crumb{Label: "Réservés à votre administration"})}))
}
