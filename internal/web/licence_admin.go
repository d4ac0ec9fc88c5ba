package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/input"
	lic "campus/internal/licence"
	"campus/internal/programme"
	"campus/templates"
)

// Partner licences, the back-office: pools, their usage per administration, quotas, grants, the import of
// codes, allocations and revocations.

func (s *Server) licenceAdminRoutes(r chi.Router) {
	r.Get("/licences", s.adminLicences)
	r.Get("/licences/nouveau", s.adminLicencePoolNew)
	r.Post("/licences/nouveau", s.adminLicencePoolCreate)
	r.Get("/licences/{id}", s.adminLicencePool)
	r.Post("/licences/{id}/quotas", s.adminLicenceQuota)
	r.Post("/licences/{id}/quotas/suppression", s.adminLicenceQuotaDelete)
	r.Post("/licences/{id}/dotations", s.adminLicenceGrant)
	r.Post("/licences/{id}/codes", s.adminLicenceCodes)
	r.Post("/licences/{id}/attribution", s.adminLicenceAllocateTo)
	r.Post("/licences/demandes/{id}/attribuer", s.adminLicenceAllocate)
	r.Post("/licences/demandes/{id}/retrait", s.adminLicenceRevoke)
}

func (s *Server) adminLicences(w http.ResponseWriter, r *http.Request) {
	pools, err := s.store.LicencePools(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := templates.AdminLicencesView{Pools: pools, Page: s.adminPage(r, "Licences des partenaires", templates.Crumb{Label: "Licences"})}
	now := time.Now().In(catalogue.Paris)
	for _, p := range pools {
		v.Periods = append(v.Periods, p.Period(now))
	}
	s.render(w, r, http.StatusOK, templates.AdminLicences(v))
}

func (s *Server) partnerOptions(r *http.Request) ([]templates.Option, error) {
	ps, err := s.store.ListPartners(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]templates.Option, 0, len(ps))
	for _, p := range ps {
		out = append(out, templates.Option{Value: strconv.FormatInt(p.ID, 10), Label: p.Name})
	}
	return out, nil
}

func (s *Server) renderLicencePoolNew(w http.ResponseWriter, r *http.Request, status int, f templates.FormState) {
	opts, err := s.partnerOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := "Créer un lot de licences"
	if f.Failed() {
		title = "Erreur - " + title
	}
	v := templates.AdminLicencePoolNewView{Form: f, Partners: opts, Page: s.adminPage(r, title,
		templates.Crumb{Label: "Licences", Href: "/admin/licences"}, templates.Crumb{Label: "Créer un lot"})}
	s.render(w, r, status, templates.AdminLicencePoolNew(v))
}

func (s *Server) adminLicencePoolNew(w http.ResponseWriter, r *http.Request) {
	y := time.Now().In(catalogue.Paris).Year()
	s.renderLicencePoolNew(w, r, http.StatusOK, templates.FormState{Values: map[string]string{
		"valid_from": strconv.Itoa(y) + "-01-01", "valid_until": strconv.Itoa(y) + "-12-31"}})
}

func (s *Server) adminLicencePoolCreate(w http.ResponseWriter, r *http.Request) {
	opts, err := s.partnerOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	partner := f.Choice("partner", "Partenaire", opts, true)
	p := lic.NewPool{
		Name:        f.Prose("name", "Nom du lot", lic.MaxName, true),
		Description: f.ProseMultiline("description", "Description", lic.MaxDescription, false),
		Size:        f.Int("size", "Nombre de licences", 1, lic.MaxSize, true),
		GrantLabel:  f.Prose("grant_label", "Libellé de la dotation", lic.MaxName, false),
		ValidFrom:   f.Date("valid_from", "Début de validité", true),
		ValidUntil:  f.Date("valid_until", "Fin de validité", true),
	}
	p.PartnerID = input.ID(partner) // one of the options: 0 only when none was chosen
	if !p.ValidFrom.IsZero() && !p.ValidUntil.IsZero() && p.ValidUntil.Before(p.ValidFrom) {
		f.Fail("valid_until", "La fin de validité doit être postérieure ou égale au début.")
	}
	if p.GrantLabel == "" {
		p.GrantLabel = "Dotation initiale"
	}
	if !f.Valid() {
		s.renderLicencePoolNew(w, r, http.StatusUnprocessableEntity, f.State())
		return
	}
	id, err := s.store.CreateLicencePool(r.Context(), p, adminActor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flashTo(w, r, "/admin/licences/"+strconv.FormatInt(id, 10), "success", "Le lot « "+p.Name+" » est créé.")
}

// poolForms are the states of the forms of a pool's page, one of which may come back with errors.
type poolForms struct {
	quota, grant, imp, allocate templates.FormState
	problems                    []string
}

const poolRequestsPerPage = 50

func (s *Server) renderLicencePool(w http.ResponseWriter, r *http.Request, status int, id int64, forms poolForms) {
	d, err := s.store.LicencePool(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st := r.URL.Query().Get("statut")
	switch st {
	case lic.StatusWaiting, lic.StatusAllocated, lic.StatusRevoked, lic.StatusCancelled:
	default:
		st = lic.StatusWaiting
	}
	pageNum := adminPageNumber(r.URL.Query())
	rs, total, err := s.store.PoolRequests(r.Context(), id, st, (pageNum-1)*poolRequestsPerPage, poolRequestsPerPage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := d.Pool.Name + " – Licences"
	if status != http.StatusOK {
		title = "Erreur - " + title
	}
	v := templates.AdminLicencePoolView{Page: s.adminPage(r, title, templates.Crumb{Label: "Licences", Href: "/admin/licences"}, templates.Crumb{Label: d.Pool.Name}), Pool: d.Pool, Period: d.Pool.Period(time.Now().In(catalogue.Paris)),
		Grants: d.Grants, Quotas: d.Quotas, Usage: d.Usage, Status: st, Requests: rs, Total: total, PageNum: pageNum,
		LastPage: max(1, (total+poolRequestsPerPage-1)/poolRequestsPerPage),
		Quota:    forms.quota, Grant: forms.grant, Import: forms.imp, Allocate: forms.allocate, Problems: forms.problems}
	s.render(w, r, status, templates.AdminLicencePool(v))
}

func (s *Server) adminLicencePool(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	s.renderLicencePool(w, r, http.StatusOK, id, poolForms{})
}

func poolURL(id int64) string { return "/admin/licences/" + strconv.FormatInt(id, 10) }

// served tells how many waiting requests an action served.
func served(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return " Une demande en attente a reçu sa licence."
	}
	return " " + catalogue.Count(n) + " demandes en attente ont reçu leur licence."
}

func (s *Server) adminLicenceQuota(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	f := s.readForm(w, r)
	administration := f.Text("quota_administration", "Administration", 200, true)
	quota := f.Int("quota", "Quota", 0, lic.MaxSize, true)
	if administration != "" && programme.AdministrationKey(administration) == "" {
		f.Fail("quota_administration", "Le nom de l’administration doit contenir des lettres ou des chiffres.")
	}
	if !f.Valid() {
		s.renderLicencePool(w, r, http.StatusUnprocessableEntity, id, poolForms{quota: f.State()})
		return
	}
	n, err := s.store.SetLicenceQuota(r.Context(), id, administration, quota, adminActor(r))
	if err := f.Refuse(err); err != nil {
		s.fail(w, r, err)
		return
	}
	if !f.Valid() {
		s.renderLicencePool(w, r, http.StatusUnprocessableEntity, id, poolForms{quota: f.State()})
		return
	}
	s.flashTo(w, r, poolURL(id)+"#quotas", "success", "Le quota de « "+administration+" » est fixé à "+strconv.Itoa(quota)+"."+served(n))
}

func (s *Server) adminLicenceQuotaDelete(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	f := s.readForm(w, r)
	n, err := s.store.DeleteLicenceQuota(r.Context(), id, f.Hidden("key"), adminActor(r))
	if errors.Is(err, apperr.ErrNotFound) {
		s.flash(r, "info", "Ce quota n’existe plus.")
	} else if err != nil {
		s.fail(w, r, err)
		return
	} else {
		s.flash(r, "success", "Le quota est supprimé."+served(n))
	}
	http.Redirect(w, r, poolURL(id)+"#quotas", http.StatusSeeOther)
}

func (s *Server) adminLicenceGrant(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	f := s.readForm(w, r)
	qty := f.Int("grant_quantity", "Licences ajoutées", 1, lic.MaxSize, true)
	label := f.Prose("grant_label", "Libellé", lic.MaxName, false)
	if !f.Valid() {
		s.renderLicencePool(w, r, http.StatusUnprocessableEntity, id, poolForms{grant: f.State()})
		return
	}
	if label == "" {
		label = "Complément"
	}
	n, err := s.store.AddLicenceGrant(r.Context(), id, qty, label, adminActor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flashTo(w, r, poolURL(id)+"#dotations", "success", strconv.Itoa(qty)+" licences sont ajoutées au lot."+served(n))
}

// maxUpload bounds a CSV of codes (200,000 lines of a code and a link fit well under it).
const maxUpload = 32 << 20

func (s *Server) adminLicenceCodes(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	f := &Form{values: url.Values{}, shown: map[string]string{}, errors: map[string]string{}}
	again := func(problems []string) {
		s.renderLicencePool(w, r, http.StatusUnprocessableEntity, id, poolForms{imp: f.State(), problems: problems})
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(4 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			f.Fail("codes_file", "Le fichier dépasse 32 Mo : découpez-le en plusieurs fichiers.")
		} else {
			f.Fail("codes_file", "Choisissez un fichier CSV à importer.")
		}
		again(nil)
		return
	}
	defer r.MultipartForm.RemoveAll()
	file, hdr, err := r.FormFile("codes_file")
	if err != nil {
		f.Fail("codes_file", "Choisissez un fichier CSV à importer.")
		again(nil)
		return
	}
	defer file.Close()
	if name := strings.ToLower(hdr.Filename); !strings.HasSuffix(name, ".csv") && !strings.HasSuffix(name, ".txt") {
		f.Fail("codes_file", "Le fichier doit être un CSV (extension .csv).")
		again(nil)
		return
	}
	codes, err := lic.ParseCodes(file)
	if err == nil {
		var n int
		n, err = s.store.ImportLicenceCodes(r.Context(), id, codes, adminActor(r))
		if err == nil {
			s.flashTo(w, r, poolURL(id)+"#codes", "success", strconv.Itoa(n)+" codes ou liens sont importés ; les licences déjà attribuées sans code ont reçu le leur.")
			return
		}
	}
	var ie *lic.ImportError
	if !errors.As(err, &ie) {
		s.fail(w, r, err)
		return
	}
	var problems []string
	for _, p := range ie.Problems {
		problems = append(problems, p.String())
	}
	f.Fail("codes_file", "Le fichier est refusé ("+strconv.Itoa(len(problems))+" erreur(s) ci-dessous) : corrigez-le et importez-le à nouveau.")
	again(problems)
}

func (s *Server) adminLicenceAllocateTo(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	f := s.readForm(w, r)
	email := f.Email("allocate_email")
	if !f.Valid() {
		s.renderLicencePool(w, r, http.StatusUnprocessableEntity, id, poolForms{allocate: f.State()})
		return
	}
	req, err := s.store.AllocateLicenceTo(r.Context(), id, email, adminActor(r))
	if ref, _ := refused(err); ref != nil {
		f.Fail("allocate_email", ref.Message)
		s.renderLicencePool(w, r, http.StatusUnprocessableEntity, id, poolForms{allocate: f.State()})
		return
	}
	if errors.Is(err, apperr.ErrNotFound) {
		// The pool exists (the page was shown), so the address has no account.
		if _, perr := s.store.LicencePool(r.Context(), id); perr != nil {
			s.fail(w, r, perr)
			return
		}
		f.Fail("allocate_email", "Aucun compte n’existe avec cette adresse : l’agent doit d’abord créer son compte.")
		s.renderLicencePool(w, r, http.StatusUnprocessableEntity, id, poolForms{allocate: f.State()})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flashTo(w, r, poolURL(id)+"?statut=allocated#demandes", "success", "Une licence est attribuée à "+req.UserName+" ("+req.UserEmail+").")
}

func (s *Server) adminLicenceAllocate(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	req, err := s.store.AllocateLicence(r.Context(), id, adminActor(r))
	if ref, _ := refused(err); ref != nil {
		pool, perr := s.store.LicenceRequestPool(r.Context(), id)
		if perr != nil {
			s.fail(w, r, perr)
			return
		}
		s.flashTo(w, r, poolURL(pool)+"#demandes", "error", ref.Message)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flashTo(w, r, poolURL(req.PoolID)+"?statut=allocated#demandes", "success", "Une licence est attribuée à "+req.UserName+" hors de son tour.")
}

func (s *Server) adminLicenceRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	f := s.readForm(w, r)
	reason := f.Text("motif", "Motif", 300, false)
	pool, err := s.store.LicenceRequestPool(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !f.Valid() {
		s.flashTo(w, r, poolURL(pool)+"?statut=allocated#demandes", "error", "Le motif du retrait n’est pas valide : "+f.State().Errors["motif"])
		return
	}
	req, err := s.store.RevokeLicence(r.Context(), id, adminActor(r), reason)
	if s.refusedTo(w, r, poolURL(pool)+"?statut=allocated#demandes", err) {
		return
	}
	s.flashTo(w, r, poolURL(pool)+"?statut=allocated#demandes", "success", "La licence "+catalogue.De(req.UserName)+" est retirée et rendue au lot ; la demande suivante en attente, s’il y en a une, l’a reçue.")
}
