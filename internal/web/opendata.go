package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"campus/internal/catalogue"
	"campus/internal/lheo"
	"campus/internal/sheet"
	"campus/templates"
)

// MaxExport is the most entries an open data file holds.
const MaxExport = 10000

// Open data: the published catalogue as JSON and CSV, whole or as filtered by the search parameters, under the
// Etalab 2.0 licence, documented on /donnees-ouvertes. Field names are French and stable.

const licence = "Licence Ouverte / Open Licence version 2.0 (etalab-2.0)"

type odRef struct {
	Slug  string `json:"slug"`
	Titre string `json:"titre"`
	URL   string `json:"url,omitempty"`
}

type odAudience struct {
	Slug    string `json:"slug"`
	Libelle string `json:"libelle"`
}

type odSession struct {
	Reference       string    `json:"reference"`
	Debut           time.Time `json:"debut"`
	Fin             time.Time `json:"fin"`
	Lieu            string    `json:"lieu,omitempty"`
	Adresse         string    `json:"adresse,omitempty"`
	Ville           string    `json:"ville,omitempty"`
	ClasseVirtuelle bool      `json:"classe_virtuelle"`
	Capacite        int       `json:"capacite"`
	PlacesRestantes int       `json:"places_restantes"`
}

type odEntry struct {
	Type           string       `json:"type"`
	Slug           string       `json:"slug"`
	URL            string       `json:"url"`
	Titre          string       `json:"titre"`
	Resume         string       `json:"resume"`
	Domaine        odRef        `json:"domaine"`
	DureeMinutes   int          `json:"duree_minutes"`
	Formats        []string     `json:"formats"`
	Niveaux        []string     `json:"niveaux"`
	Publics        []odAudience `json:"publics"`
	Partenaire     *odRef       `json:"partenaire,omitempty"`
	MotsCles       []string     `json:"mots_cles,omitempty"`
	Objectifs      []string     `json:"objectifs,omitempty"`
	Programme      []string     `json:"programme,omitempty"`
	Prerequis      string       `json:"prerequis,omitempty"`
	LienExterne    string       `json:"lien_externe,omitempty"`
	Sessions       []odSession  `json:"sessions,omitempty"`
	Parcours       []odRef      `json:"parcours,omitempty"`
	Description    string       `json:"description,omitempty"`
	Administration string       `json:"administration,omitempty"`
	Modules        []odRef      `json:"modules,omitempty"`
	MisAJour       *time.Time   `json:"mis_a_jour,omitempty"`

	// For the CSV only.
	next   *time.Time
	places bool
}

type odFile struct {
	Source     string              `json:"source"`
	Licence    string              `json:"licence"`
	LicenceURL string              `json:"licence_url"`
	GenereLe   time.Time           `json:"genere_le"`
	Recherche  map[string][]string `json:"recherche"`
	Total      int                 `json:"total"`
	Tronque    bool                `json:"tronque"`
	Formations []odEntry           `json:"formations"`
}

func (s *Server) openDataEntries(e catalogue.ExportEntry) odEntry {
	base := s.cfg.BaseURL.String()
	audiences := func(as []catalogue.Audience) []odAudience {
		out := []odAudience{}
		for _, a := range as {
			out = append(out, odAudience{a.Slug, a.Label})
		}
		return out
	}
	if m := e.Module; m != nil {
		o := odEntry{Type: catalogue.KindModule, Slug: m.Slug, URL: base + "/modules/" + m.Slug, Titre: m.Title, Resume: m.Summary,
			Domaine:      odRef{Slug: m.Domain.Slug, Titre: m.Domain.Title, URL: base + "/domaines/" + m.Domain.Slug},
			DureeMinutes: m.DurationMinutes, Formats: []string{m.Format}, Niveaux: []string{m.Level}, Publics: audiences(m.Audiences),
			MotsCles: m.Keywords, Objectifs: m.Objectives, Programme: m.Outline, Prerequis: m.Prerequisites, LienExterne: m.ExternalURL,
			next: m.NextSession}
		if m.Partner.Slug != "" {
			o.Partenaire = &odRef{Slug: m.Partner.Slug, Titre: m.Partner.Title, URL: base + "/partenaires/" + m.Partner.Slug}
		}
		for _, x := range m.Sessions {
			o.Sessions = append(o.Sessions, odSession{Reference: x.Ref, Debut: x.StartsAt.In(catalogue.Paris), Fin: x.EndsAt.In(catalogue.Paris),
				Lieu: x.PlaceName, Adresse: x.Address, Ville: x.City, ClasseVirtuelle: x.VirtualURL != "", Capacite: x.Capacity,
				PlacesRestantes: x.SeatsLeft()})
			o.places = o.places || x.SeatsLeft() > 0
		}
		for _, t := range m.Tracks {
			o.Parcours = append(o.Parcours, odRef{Slug: t.Slug, Titre: t.Title, URL: base + t.Href()})
		}
		if !m.UpdatedAt.IsZero() {
			u := m.UpdatedAt.In(catalogue.Paris)
			o.MisAJour = &u
		}
		return o
	}
	t := e.Track
	o := odEntry{Type: e.Kind, Slug: t.Slug, URL: base + trackPath(t.TrackCard), Titre: t.Title, Resume: t.Summary,
		Domaine:      odRef{Slug: t.Domain.Slug, Titre: t.Domain.Title, URL: base + "/domaines/" + t.Domain.Slug},
		DureeMinutes: t.DurationMinutes, Formats: []string{}, Niveaux: []string{}, Publics: audiences(t.Audiences),
		Description: t.Description, Administration: t.Administration}
	for _, m := range t.Modules {
		o.Modules = append(o.Modules, odRef{Slug: m.Slug, Titre: m.Title, URL: base + "/modules/" + m.Slug})
		if !contains(o.Formats, m.Format) {
			o.Formats = append(o.Formats, m.Format)
		}
		if !contains(o.Niveaux, m.Level) {
			o.Niveaux = append(o.Niveaux, m.Level)
		}
		if m.NextSession != nil && (o.next == nil || m.NextSession.Before(*o.next)) {
			o.next = m.NextSession
		}
	}
	return o
}

func trackPath(t catalogue.TrackCard) string {
	if t.Tailored() {
		return "/programmes-sur-mesure/" + t.Slug
	}
	return "/parcours/" + t.Slug
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// exportEntries runs the search of the request for an open data file.
func (s *Server) exportEntries(r *http.Request) (catalogue.SearchQuery, []odEntry, bool, error) {
	values, ok := searchValues(r)
	if !ok {
		return catalogue.SearchQuery{}, nil, false, nil
	}
	q, _ := catalogue.ParseSearchQuery(values)
	q.Page = 1
	entries, err := s.store.SearchExport(r.Context(), q, MaxExport+1)
	if err != nil {
		return q, nil, true, err
	}
	out := make([]odEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, s.openDataEntries(e))
	}
	return q, out, true, nil
}

func openDataHeaders(w http.ResponseWriter, contentType string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "public, max-age=300")
}

// serveOpenData answers an open data file as the portal answers its pages (pagecache.go): an ETag over the bytes
// (pageTag, the same on every instance), Last-Modified (when the figures were computed, or the file made), and
// 304 to a client that holds it. Behind pageCache, the file is made once per change of the catalogue and its
// tag and date stay the same until then.
func serveOpenData(w http.ResponseWriter, r *http.Request, contentType string, body []byte, modified time.Time) {
	openDataHeaders(w, contentType)
	preparedPage{body: body, contentType: contentType, etag: pageTag(body), modified: modified}.serve(w, r)
}

// openDataJSON encodes an open data file: indented JSON, with <, > and & escaped when escapeHTML (the
// catalogue's and the bilan's files; the DCAT and Table Schema files keep them as they are).
func openDataJSON(v any, escapeHTML bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// serveOpenDataJSON answers an open data file encoded by openDataJSON.
func (s *Server) serveOpenDataJSON(w http.ResponseWriter, r *http.Request, contentType string, v any, escapeHTML bool, modified time.Time) {
	body, err := openDataJSON(v, escapeHTML)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	serveOpenData(w, r, contentType, body, modified)
}

// catalogueJSON is GET /api/catalogue.json.
func (s *Server) catalogueJSON(w http.ResponseWriter, r *http.Request) {
	q, entries, ok, err := s.exportEntries(r)
	if !ok {
		openDataHeaders(w, "application/json; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"erreur": "adresse mal formée : les paramètres de la recherche n’ont pas pu être lus"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := odFile{Source: s.cfg.BaseURL.String() + "/api/catalogue.json", Licence: licence, LicenceURL: licenceURL, GenereLe: time.Now().In(catalogue.Paris).Truncate(time.Second),
		Recherche: q.Values(), Total: len(entries), Formations: entries}
	delete(f.Recherche, catalogue.ParamPage)
	if len(entries) > MaxExport {
		f.Formations, f.Total, f.Tronque = entries[:MaxExport], MaxExport, true
	}
	s.serveOpenDataJSON(w, r, "application/json; charset=utf-8", f, true, f.GenereLe)
}

// csvHeader is the CSV's first line: the fields of its Table Schema (tableschema.go).
var csvHeader = catalogueSchema.header()

// catalogueCSV is GET /api/catalogue.csv, through the portal's one CSV writer (internal/sheet): UTF-8 with a
// BOM, ";" separated, CRLF line ends, formulas neutralised, so that French spreadsheet software opens it as is.
func (s *Server) catalogueCSV(w http.ResponseWriter, r *http.Request) {
	_, entries, ok, err := s.exportEntries(r)
	if !ok {
		openDataHeaders(w, "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte("Adresse mal formée : les paramètres de la recherche n’ont pas pu être lus.\n"))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(entries) > MaxExport {
		entries = entries[:MaxExport]
	}
	var buf bytes.Buffer
	cw := sheet.NewWriter(&buf)
	cw.Write(csvHeader)
	for _, e := range entries {
		// The same codes as the JSON, lists joined by listSeparator, booleans true/false, dates ISO 8601.
		partner, partnerLabel := "", ""
		if e.Partenaire != nil {
			partner, partnerLabel = e.Partenaire.Slug, e.Partenaire.Titre
		}
		publics, labels := make([]string, 0, len(e.Publics)), make([]string, 0, len(e.Publics))
		for _, a := range e.Publics {
			publics, labels = append(publics, a.Slug), append(labels, a.Libelle)
		}
		next, places, modules := "", "", ""
		if e.next != nil {
			next = e.next.In(catalogue.Paris).Format("2006-01-02")
		}
		switch {
		case e.Type != catalogue.KindModule:
			modules = strconv.Itoa(len(e.Modules))
		case len(e.Formats) == 1 && e.Formats[0] != catalogue.FormatOnline: // dated sessions: are there seats?
			places = strconv.FormatBool(e.places)
		}
		cw.Write([]string{e.Type, e.Slug, e.Titre, e.Resume, e.Domaine.Slug, e.Domaine.Titre, strings.Join(e.Formats, listSeparator),
			strings.Join(e.Niveaux, listSeparator), strconv.Itoa(e.DureeMinutes), catalogue.Duration(e.DureeMinutes), partner, partnerLabel,
			strings.Join(publics, listSeparator), strings.Join(labels, listSeparator), modules, next, places, e.URL})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="catalogue-campus-du-numerique-public.csv"`)
	serveOpenData(w, r, "text/csv; charset=utf-8", buf.Bytes(), time.Now())
}

// lheoXML is GET /api/lheo.xml: the whole published catalogue (search parameters do not apply) in LHÉO 2.3, the
// national format of training offers, written by internal/lheo (where the mapping tables live).
func (s *Server) lheoXML(w http.ResponseWriter, r *http.Request) {
	q, _ := catalogue.ParseSearchQuery(nil)
	entries, err := s.store.SearchExport(r.Context(), q, MaxExport)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if _, err := lheo.Write(&buf, lheo.Offer{BaseURL: s.cfg.BaseURL.String(), Entries: entries}); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `inline; filename="catalogue-campus-du-numerique-public-lheo.xml"`)
	serveOpenData(w, r, "application/xml; charset=utf-8", buf.Bytes(), time.Now())
}

// openData is the page documenting the open data and the search parameters: GET /donnees-ouvertes.
func (s *Server) openData(w http.ResponseWriter, r *http.Request) {
	v := templates.OpenDataView{Page: s.page(r, "", "Données ouvertes du catalogue",
		"Le catalogue du Campus du numérique public en données ouvertes (JSON, CSV) et les paramètres stables de sa recherche.",
		templates.Crumb{Label: "Données ouvertes"}), BaseURL: s.cfg.BaseURL.String()}
	dcat, err := s.dcatCatalog(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// In the head with the page's other JSON-LD (its breadcrumb), where harvesters and search engines read it.
	v.Page.JSONLD = append(v.Page.JSONLD, dcat)
	values := func(opts []catalogue.Option) string {
		var parts []string
		for _, o := range opts {
			parts = append(parts, o.Value+" ("+o.Label+")")
		}
		return strings.Join(parts, ", ")
	}
	sorts := values(catalogue.Sorts)
	for _, p := range []templates.OpenDataParam{
		{Name: catalogue.ParamQuery, Role: "Texte recherché, 200 caractères au plus ; « phrase exacte », -mot pour exclure, or pour une alternative", Values: "texte libre"},
		{Name: catalogue.ParamType, Role: "Type de formation", Values: ""},
		{Name: catalogue.ParamDomain, Role: "Domaine", Values: "le slug du domaine, tel qu’il figure dans l’adresse de sa page (ex. cybersecurite, data)"},
		{Name: catalogue.ParamFormat, Role: "Format", Values: ""},
		{Name: catalogue.ParamLevel, Role: "Niveau", Values: ""},
		{Name: catalogue.ParamDuration, Role: "Durée (un jour compte 6 heures)", Values: ""},
		{Name: catalogue.ParamAudience, Role: "Public", Values: "le slug du public (ex. tous-les-agents, managers)"},
		{Name: catalogue.ParamPartner, Role: "Partenaire", Values: "le slug du partenaire, tel qu’il figure dans l’adresse de sa page (ex. pix)"},
		{Name: catalogue.ParamPlaces, Role: "Seulement les formations avec une session à venir qui a des places", Values: "1"},
		{Name: catalogue.ParamSort, Role: "Tri (par défaut : pertinence s’il y a un texte, titre sinon)", Values: sorts},
		{Name: catalogue.ParamPage, Role: "Page des résultats (20 par page ; sans effet sur les fichiers)", Values: "1, 2, …"},
	} {
		if def, ok := catalogue.FacetDefOf(p.Name); ok && p.Values == "" {
			p.Values = values(def.Fixed)
		}
		v.Facets = append(v.Facets, p)
	}
	s.render(w, r, http.StatusOK, templates.OpenData(v))
}
