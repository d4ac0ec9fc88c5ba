package lheo

import (
	"encoding/xml"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"campus/internal/catalogue"
)

// The elements, in the order the schema's sequences require. Optional elements are omitted when empty.

type document struct {
	XMLName xml.Name `xml:"http://lheo.gouv.fr/2.3 lheo"`
	Offres  offres   `xml:"offres"`
}

type offres struct {
	Formations []formation `xml:"formation"`
}

type formation struct {
	Numero      string      `xml:"numero,attr"`
	Modified    string      `xml:"horodatage-modification,attr,omitempty"`
	Domaine     domaine     `xml:"domaine-formation"`
	Intitule    string      `xml:"intitule-formation"`
	Objectif    string      `xml:"objectif-formation"`
	Resultats   string      `xml:"resultats-attendus"`
	Contenu     string      `xml:"contenu-formation"`
	Certifiante string      `xml:"certifiante"`
	Contact     contact     `xml:"contact-formation"`
	Parcours    string      `xml:"parcours-de-formation"`
	NiveauEntr  string      `xml:"code-niveau-entree"`
	URL         *urls       `xml:"url-formation"`
	Actions     []action    `xml:"action"`
	Responsable responsable `xml:"organisme-formation-responsable"`
	Identifiant string      `xml:"identifiant-module,omitempty"`
}

type domaine struct {
	NSF []string `xml:"code-NSF"`
}

type urls struct {
	URLs []string `xml:"urlweb"`
}

type contact struct {
	Coordonnees coordonnees `xml:"coordonnees"`
}

type coordonnees struct {
	Nom      string   `xml:"nom,omitempty"`
	Lignes   []string `xml:"ligne"`
	Adresse  *adresse `xml:"adresse"`
	Courriel string   `xml:"courriel,omitempty"`
	Web      *urls    `xml:"web"`
}

type adresse struct {
	Lignes     []string `xml:"ligne"`
	CodePostal string   `xml:"codepostal"`
	Ville      string   `xml:"ville"`
}

type action struct {
	Numero          string        `xml:"numero,attr,omitempty"`
	Rythme          string        `xml:"rythme-formation"`
	Publics         []string      `xml:"code-public-vise"`
	InfoPublic      string        `xml:"info-public-vise,omitempty"`
	NiveauOblig     string        `xml:"niveau-entree-obligatoire"`
	Alternance      string        `xml:"modalites-alternance"`
	Enseignement    string        `xml:"modalites-enseignement"`
	Conditions      string        `xml:"conditions-specifiques"`
	PriseEnCharge   string        `xml:"prise-en-charge-frais-possible"`
	Lieux           []lieu        `xml:"lieu-de-formation"`
	EntreesSorties  string        `xml:"modalites-entrees-sorties"`
	URL             *urls         `xml:"url-action"`
	Sessions        []session     `xml:"session"`
	Langues         []string      `xml:"langue-formation"`
	DureeIndicative string        `xml:"duree-indicative,omitempty"`
	Formateurs      []formateur   `xml:"organisme-formateur"`
	Extras          *actionExtras `xml:"extras"`
}

type lieu struct {
	Coordonnees coordonnees `xml:"coordonnees"`
}

type session struct {
	Numero      string    `xml:"numero,attr,omitempty"`
	Periode     periode   `xml:"periode"`
	Inscription inscrAddr `xml:"adresse-inscription"`
	Etat        string    `xml:"etat-recrutement,omitempty"`
	URL         *urls     `xml:"url-session"`
}

type periode struct {
	Debut string `xml:"debut"`
	Fin   string `xml:"fin"`
}

type inscrAddr struct {
	Adresse adresse `xml:"adresse"`
}

type formateur struct {
	SIRET         siret    `xml:"SIRET-formateur"`
	RaisonSociale string   `xml:"raison-sociale-formateur"`
	Contact       *contact `xml:"contact-formateur"`
}

type siret struct {
	SIRET string `xml:"SIRET"`
}

type responsable struct {
	NumeroActivite string    `xml:"numero-activite"`
	SIRET          siret     `xml:"SIRET-organisme-formation"`
	Nom            string    `xml:"nom-organisme"`
	RaisonSociale  string    `xml:"raison-sociale"`
	Coordonnees    coordsOrg `xml:"coordonnees-organisme"`
	Contact        contact   `xml:"contact-organisme"`
}

type coordsOrg struct {
	Coordonnees coordonnees `xml:"coordonnees"`
}

type actionExtras struct {
	Extras []extra `xml:"extra"`
}

type extra struct {
	Info  string `xml:"info,attr"`
	Value string `xml:",chardata"`
}

// Offer is what the document is made from.
type Offer struct {
	BaseURL string // the portal's public URL, without a trailing slash
	Entries []catalogue.ExportEntry
}

// Counts are what a document holds, for tests and logs.
type Counts struct{ Formations, Actions, Sessions int }

// Write writes the offer as an LHÉO 2.3 document.
func Write(w io.Writer, o Offer) (Counts, error) {
	doc := document{}
	var n Counts
	for _, e := range o.Entries {
		var f formation
		if e.Module != nil {
			f = o.module(e.Module)
		} else if e.Track != nil {
			f = o.track(e.Track)
		} else {
			continue
		}
		n.Formations++
		n.Actions += len(f.Actions)
		for _, a := range f.Actions {
			n.Sessions += len(a.Sessions)
		}
		doc.Offres.Formations = append(doc.Offres.Formations, f)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return n, err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return n, err
	}
	_, err := io.WriteString(w, "\n")
	return n, err
}

func (o Offer) responsable() responsable {
	return responsable{NumeroActivite: ActivityNumber, SIRET: siret{SIRET}, Nom: Name, RaisonSociale: LegalName,
		Coordonnees: coordsOrg{coordonnees{
			Adresse:  &adresse{Lignes: []string{AddressLine}, CodePostal: PostalCode, Ville: City},
			Courriel: ContactEmail, Web: &urls{[]string{cut(o.BaseURL, 400)}}}},
		Contact: o.contact()}
}

func (o Offer) contact() contact {
	return contact{coordonnees{Nom: "Équipe du Campus du numérique public", Courriel: ContactEmail,
		Web: &urls{[]string{cut(o.BaseURL, 400)}}}}
}

// inscription is where agents enrol: on the portal, for the organisation at its address.
func inscription() inscrAddr {
	return inscrAddr{adresse{Lignes: []string{AddressLine}, CodePostal: PostalCode, Ville: City}}
}

const resultats = "Attestation de suivi délivrée par le Campus du numérique public à la fin de la formation (formation non certifiante)."

const alternance = "Sans objet : formation continue des agents publics, sans alternance."

func (o Offer) module(m *catalogue.Module) formation {
	url := o.BaseURL + "/modules/" + m.Slug
	f := formation{Numero: "module-" + m.Slug, Domaine: domaine{[]string{NSF(m.Domain.Slug)}},
		Intitule: cut(m.Title, 255), Objectif: text(m.Summary, m.Objectives), Resultats: resultats,
		Contenu: text(m.Summary, m.Outline), Certifiante: "0", Contact: o.contact(), NiveauEntr: EntryLevel(m.Level),
		URL: &urls{[]string{cut(url, 400)}}, Responsable: o.responsable(), Identifiant: m.Slug}
	if !m.UpdatedAt.IsZero() {
		f.Modified = m.UpdatedAt.UTC().Format(time.RFC3339)
	}
	conditions := LevelText(m.Level) + ". Prérequis : " + orText(m.Prerequisites, "aucun") +
		". Formation réservée aux agents publics, gratuite, sur inscription sur le portail du Campus."
	base := action{Publics: publics(m.Audiences), InfoPublic: cut(audienceText(m.Audiences), 250), NiveauOblig: "0",
		Alternance: alternance, Enseignement: TeachingMode(m.Format), Conditions: cut(conditions, 3000),
		PriseEnCharge: "0", URL: &urls{[]string{cut(url, 400)}}, Langues: []string{"fr"},
		DureeIndicative: cut(catalogue.Duration(m.DurationMinutes), 150)}
	base.Formateurs, base.Extras = o.teachers(m.Partner)
	if !m.Dated() {
		// A self-paced online module: one action, entered at any time.
		f.Parcours = CourseIndividual
		f.Actions = []action{undated(base, m.Slug, "À son rythme, en ligne, à tout moment.", EntryPermanent)}
		return f
	}
	// A dated module: one action per place, its sessions in date order; virtual classes make an action of their own.
	f.Parcours = CourseGroup
	byPlace := map[string]int{}
	for _, s := range m.Sessions {
		key := s.PlaceName + "\x00" + s.Address + "\x00" + s.City
		i, ok := byPlace[key]
		if !ok {
			a := base
			a.Numero = m.Slug + "-" + slugPart(s.City, s.PlaceName)
			a.Rythme = "En journée, aux dates de la session (" + catalogue.FormatLabel(m.Format) + ")."
			a.EntreesSorties = EntryFixedDates
			if !s.Virtual() {
				a.Lieux = []lieu{{coordonnees{Nom: cut(s.PlaceName, 50), Lignes: lines(s.Address, s.City)}}}
			}
			f.Actions = append(f.Actions, a)
			i = len(f.Actions) - 1
			byPlace[key] = i
		}
		f.Actions[i].Sessions = append(f.Actions[i].Sessions, session{Numero: s.Ref,
			Periode: periode{day(s.StartsAt), day(s.EndsAt)}, Inscription: inscription(), Etat: recruitment(s)})
	}
	if len(f.Actions) == 0 {
		// No session scheduled yet: the offer stands, its dates are to come.
		f.Actions = []action{undated(base, m.Slug, "En journée, aux dates des prochaines sessions, à venir.", EntryFixedDates)}
	}
	return f
}

// undated is the action of a module without known dates (self-paced, or its sessions still to come): one
// session numbered after the module, its period unknown.
func undated(base action, slug, rythme, entry string) action {
	a := base
	a.Numero = slug
	a.Rythme = rythme
	a.EntreesSorties = entry
	a.Sessions = []session{{Numero: slug, Periode: periode{UnknownStart, UnknownEnd}, Inscription: inscription()}}
	return a
}

func (o Offer) track(t *catalogue.Track) formation {
	path := "/parcours/" + t.Slug
	if t.Tailored() {
		path = "/programmes-sur-mesure/" + t.Slug
	}
	url := o.BaseURL + path
	var titles []string
	mode, level := "", ""
	for i, m := range t.Modules {
		titles = append(titles, m.Title)
		switch {
		case i == 0:
			mode = TeachingMode(m.Format)
		case mode != TeachingMode(m.Format):
			mode = TeachingMixed
		}
		if level == "" {
			level = m.Level
		}
	}
	if mode == "" {
		mode = TeachingDistance
	}
	content := "Parcours de " + catalogue.Plural(len(t.Modules), "module", "modules") + " : " + strings.Join(titles, " ; ") + "."
	f := formation{Numero: "parcours-" + t.Slug, Domaine: domaine{[]string{NSF(t.Domain.Slug)}}, Intitule: cut(t.Title, 255),
		Objectif: text(t.Summary, nil), Resultats: resultats, Contenu: cut(content+" "+t.Description, 3000), Certifiante: "0",
		Contact: o.contact(), Parcours: CourseModular, NiveauEntr: EntryLevel(level), URL: &urls{[]string{cut(url, 400)}},
		Responsable: o.responsable(), Identifiant: t.Slug}
	conditions := "Formation réservée aux agents publics, gratuite, sur inscription sur le portail du Campus."
	if t.Tailored() {
		conditions = "Programme sur mesure (administration : " + t.Administration + "). " + conditions
	}
	a := action{Numero: t.Slug, Rythme: "Module par module : les modules en ligne à son rythme, les autres aux dates de leurs sessions.",
		Publics: publics(t.Audiences), InfoPublic: cut(audienceText(t.Audiences), 250), NiveauOblig: "0", Alternance: alternance,
		Enseignement: mode, Conditions: cut(conditions, 3000), PriseEnCharge: "0", EntreesSorties: EntryPermanent,
		URL: &urls{[]string{cut(url, 400)}}, Langues: []string{"fr"},
		Sessions:        []session{{Numero: t.Slug, Periode: periode{UnknownStart, UnknownEnd}, Inscription: inscription()}},
		DureeIndicative: cut(catalogue.Duration(t.DurationMinutes), 150)}
	f.Actions = []action{a}
	return f
}

// teachers is the organisme-formateur of a module (its partner with a SIRET, or the DINUM for the Campus's own
// modules), or extras naming a partner that has no SIRET.
func (o Offer) teachers(p catalogue.Ref) ([]formateur, *actionExtras) {
	if p.Slug == "" {
		return []formateur{{SIRET: siret{SIRET}, RaisonSociale: LegalName}}, nil
	}
	if s, ok := PartnerSIRET[p.Slug]; ok {
		return []formateur{{SIRET: siret{s}, RaisonSociale: cut(p.Title, 250)}}, nil
	}
	return nil, &actionExtras{[]extra{{Info: "partenaire", Value: p.Title}, {Info: "partenaire-url", Value: o.BaseURL + "/partenaires/" + p.Slug}}}
}

// recruitment is etat-recrutement (LHÉO table "état du recrutement": 1 ouvert, 2 fermé).
func recruitment(s catalogue.Session) string {
	if s.Full() {
		return "2"
	}
	return "1"
}

func publics(as []catalogue.Audience) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range as {
		if c := AudienceCode(a.Slug); !seen[c] && len(out) < 10 {
			seen[c] = true
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		out = []string{AudienceCode("")}
	}
	return out
}

func audienceText(as []catalogue.Audience) string {
	if len(as) == 0 {
		return "Agents publics"
	}
	labels := make([]string, len(as))
	for i, a := range as {
		labels[i] = a.Label
	}
	return "Agents publics : " + strings.Join(labels, ", ")
}

// day is a date of periode, AAAAMMJJ in Paris time.
func day(t time.Time) string { return t.In(catalogue.Paris).Format("20060102") }

// text joins a list into one text of at most 3,000 characters, or gives the fallback when the list is empty.
func text(fallback string, items []string) string {
	if len(items) == 0 {
		return cut(orText(fallback, "Voir la page de la formation."), 3000)
	}
	return cut(strings.Join(items, "\n"), 3000)
}

func orText(s, otherwise string) string {
	if strings.TrimSpace(s) == "" {
		return otherwise
	}
	return s
}

// lines splits an address into at most three lines of 50 characters, the city last.
func lines(address, city string) []string {
	var out []string
	for _, part := range strings.Split(address, ",") {
		if p := strings.TrimSpace(part); p != "" && len(out) < 2 {
			out = append(out, cut(p, 50))
		}
	}
	if city != "" {
		out = append(out, cut(city, 50))
	}
	return out
}

func slugPart(city, place string) string {
	s := strings.ToLower(city + "-" + place)
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	if p := strings.Trim(b.String(), "-"); p != "" {
		return p
	}
	return "classe-virtuelle"
}

// cut keeps at most n characters (the schema's lengths count characters), ending with "…" when it cut.
func cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
