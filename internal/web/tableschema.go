package web

import (
	"net/http"
	"strings"
	"time"

	"campus/internal/catalogue"
	"campus/internal/programme"
)

// The open data CSV files described as Table Schemas (frictionless, the conventions of schema.data.gouv.fr):
// each file's columns, in order, with their type, format, constraints and a French description. The CSV headers
// are these fields' names (one source), and TestOpenData_CSVMatchTheirSchema validates each published CSV
// against the schema served at its stable URL.

// licenceURL is the text of the Licence Ouverte / Open Licence 2.0 (Etalab).
const licenceURL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"

type tsConstraints struct {
	Required bool     `json:"required,omitempty"`
	Unique   bool     `json:"unique,omitempty"`
	Enum     []string `json:"enum,omitempty"`
	Pattern  string   `json:"pattern,omitempty"`
	Minimum  *int     `json:"minimum,omitempty"`
}

type tsField struct {
	Name        string         `json:"name"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Type        string         `json:"type"` // string, integer, boolean, date
	Format      string         `json:"format,omitempty"`
	Example     string         `json:"example,omitempty"`
	TrueValues  []string       `json:"trueValues,omitempty"`
	FalseValues []string       `json:"falseValues,omitempty"`
	Constraints *tsConstraints `json:"constraints,omitempty"`
}

type tsLicence struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Path  string `json:"path"`
}

type tableSchema struct {
	Schema        string      `json:"$schema"`
	Name          string      `json:"name"`
	Title         string      `json:"title"`
	Description   string      `json:"description"`
	Licenses      []tsLicence `json:"licenses"`
	Path          string      `json:"path"`
	Version       string      `json:"version"`
	Fields        []tsField   `json:"fields"`
	MissingValues []string    `json:"missingValues"`
	PrimaryKey    []string    `json:"primaryKey,omitempty"`
	Encoding      string      `json:"encoding"`
	Delimiter     string      `json:"delimiter"`
	ListSeparator string      `json:"x_separateur_de_liste,omitempty"`
}

// header is the CSV's first line: the fields' names.
func (t tableSchema) header() []string {
	out := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		out[i] = f.Name
	}
	return out
}

// listSeparator joins the codes of a list in a CSV cell (formats, levels, audiences).
const listSeparator = "|"

// listOf is the pattern of a list of codes joined by listSeparator.
func listOf(codes []string) string {
	one := "(" + strings.Join(codes, "|") + ")"
	return "^(" + one + `(\|` + one + ")*)?$"
}

var (
	zero     = 0
	booleans = struct{ t, f []string }{[]string{"true"}, []string{"false"}}
	slugRE   = "^[a-z0-9]+(-[a-z0-9]+)*$"
	slugsRE  = `^([a-z0-9]+(-[a-z0-9]+)*(\|[a-z0-9]+(-[a-z0-9]+)*)*)?$`
)

func schemaBase(name, title, desc, path string) tableSchema {
	return tableSchema{Schema: "https://frictionlessdata.io/schemas/table-schema.json", Name: name, Title: title, Description: desc,
		Licenses: []tsLicence{{Name: "etalab-2.0", Title: "Licence Ouverte / Open Licence version 2.0", Path: licenceURL}},
		Path:     path, Version: "1.0.0", MissingValues: []string{""}, Encoding: "utf-8-sig", Delimiter: ";"}
}

// catalogueSchema describes /api/catalogue.csv.
var catalogueSchema = func() tableSchema {
	t := schemaBase("catalogue-campus-du-numerique-public", "Catalogue du Campus du numérique public",
		"Les formations publiées du Campus du numérique public (modules, parcours, programmes sur mesure), une par ligne, "+
			"avec les mêmes codes que le fichier JSON. Les listes sont des codes séparés par « | ».", "/api/catalogue.schema.json")
	t.ListSeparator = listSeparator
	t.PrimaryKey = []string{"type", "slug"}
	t.Fields = []tsField{
		{Name: "type", Title: "Type", Description: "Type de formation : module, parcours ou programme (programme sur mesure).", Type: "string",
			Constraints: &tsConstraints{Required: true, Enum: []string{catalogue.KindModule, catalogue.KindTrack, catalogue.KindProgramme}}},
		{Name: "slug", Title: "Identifiant", Description: "Identifiant de la formation, tel qu’il figure dans l’adresse de sa page.", Type: "string",
			Example: "decouvrir-la-cybersecurite", Constraints: &tsConstraints{Required: true, Pattern: slugRE}},
		{Name: "titre", Title: "Titre", Description: "Titre de la formation.", Type: "string", Constraints: &tsConstraints{Required: true}},
		{Name: "resume", Title: "Résumé", Description: "Résumé de la formation.", Type: "string"},
		{Name: "domaine", Title: "Domaine", Description: "Identifiant du domaine (slug de sa page /domaines/…).", Type: "string",
			Constraints: &tsConstraints{Required: true, Pattern: slugRE}},
		{Name: "domaine_libelle", Title: "Libellé du domaine", Description: "Titre du domaine.", Type: "string", Constraints: &tsConstraints{Required: true}},
		{Name: "formats", Title: "Formats", Description: "Formats, codes séparés par « | » : en_ligne, presentiel, hybride (ceux des modules pour un parcours).",
			Type: "string", Example: "presentiel|hybride", Constraints: &tsConstraints{Pattern: listOf(catalogue.Formats)}},
		{Name: "niveaux", Title: "Niveaux", Description: "Niveaux, codes séparés par « | » : decouverte, intermediaire, avance.",
			Type: "string", Example: "decouverte", Constraints: &tsConstraints{Pattern: listOf(catalogue.Levels)}},
		{Name: "duree_minutes", Title: "Durée en minutes", Description: "Durée de la formation en minutes (un jour compte 6 heures).",
			Type: "integer", Constraints: &tsConstraints{Required: true, Minimum: &zero}},
		{Name: "duree", Title: "Durée", Description: "La même durée, en toutes lettres (« 3 h », « 2 jours »).", Type: "string"},
		{Name: "partenaire", Title: "Partenaire", Description: "Identifiant du partenaire qui dispense le module (vide : le Campus lui-même, ou un parcours).",
			Type: "string", Constraints: &tsConstraints{Pattern: "^(" + strings.Trim(slugRE, "^$") + ")?$"}},
		{Name: "partenaire_libelle", Title: "Libellé du partenaire", Description: "Nom du partenaire.", Type: "string"},
		{Name: "publics", Title: "Publics", Description: "Publics visés, identifiants séparés par « | » (ex. tous-les-agents|managers).",
			Type: "string", Constraints: &tsConstraints{Pattern: slugsRE}},
		{Name: "publics_libelles", Title: "Libellés des publics", Description: "Les mêmes publics, libellés séparés par « | ».", Type: "string"},
		{Name: "modules", Title: "Nombre de modules", Description: "Nombre de modules d’un parcours ou d’un programme (vide pour un module).",
			Type: "integer", Constraints: &tsConstraints{Minimum: &zero}},
		{Name: "prochaine_session", Title: "Prochaine session", Description: "Date de la prochaine session à venir (AAAA-MM-JJ, heure de Paris), vide sans session.",
			Type: "date", Format: "default"},
		{Name: "places_disponibles", Title: "Places disponibles", Description: "Pour un module à sessions datées : true si une session à venir a des places, false sinon. " +
			"Vide pour un module en ligne (sans session, toujours ouvert) et pour un parcours.", Type: "boolean", TrueValues: booleans.t, FalseValues: booleans.f},
		{Name: "url", Title: "Adresse", Description: "Adresse de la page de la formation.", Type: "string", Format: "uri",
			Constraints: &tsConstraints{Required: true, Unique: true}},
	}
	return t
}()

// bilanSchema describes /bilan/donnees.csv.
var bilanSchema = func() tableSchema {
	t := schemaBase("bilan-campus-du-numerique-public", "Bilan du Campus du numérique public",
		"Les chiffres du Campus, un par ligne : chiffres clés et indicateurs (par domaine, public, format, mois, partenaire, type de formateur). "+
			"Secret statistique : un effectif de 1 à 4 personnes n’est pas publié (valeur vide, valeur_masquee à true, motif moins-de-5) ; "+
			"d’autres valeurs sont masquées pour qu’un total ne les redonne pas (motif secret-secondaire). Les totaux restent exacts.", "/bilan/donnees.schema.json")
	ids := []string{"chiffres-cles", programme.IndicatorByDomain, programme.IndicatorByAudience, programme.IndicatorByFormat,
		programme.IndicatorByMonth, programme.IndicatorLicences, programme.IndicatorTrainers}
	t.Fields = []tsField{
		{Name: "indicateur", Title: "Indicateur", Description: "Identifiant de l’indicateur.", Type: "string", Constraints: &tsConstraints{Required: true, Enum: ids}},
		{Name: "indicateur_libelle", Title: "Libellé de l’indicateur", Description: "Titre de l’indicateur.", Type: "string", Constraints: &tsConstraints{Required: true}},
		{Name: "categorie", Title: "Catégorie", Description: "Identifiant de la catégorie (domaine, public, format, mois AAAA-MM, partenaire, type) ou du chiffre clé.",
			Type: "string", Constraints: &tsConstraints{Required: true}},
		{Name: "categorie_libelle", Title: "Libellé de la catégorie", Description: "Libellé de la catégorie.", Type: "string", Constraints: &tsConstraints{Required: true}},
		{Name: "serie", Title: "Série", Description: "Ce qui est compté (Inscriptions, Formations suivies, Licences attribuées…) ; vide pour un chiffre clé.", Type: "string"},
		{Name: "valeur", Title: "Valeur", Description: "Le nombre ; vide quand il est masqué (valeur_masquee).", Type: "integer", Constraints: &tsConstraints{Minimum: &zero}},
		{Name: "valeur_masquee", Title: "Valeur masquée", Description: "true quand la valeur n’est pas publiée (secret statistique).", Type: "boolean",
			TrueValues: booleans.t, FalseValues: booleans.f, Constraints: &tsConstraints{Required: true}},
		{Name: "motif_masquage", Title: "Motif du masquage", Description: "moins-de-5 : effectif de 1 à 4 personnes ; secret-secondaire : masquée pour qu’un total ne redonne pas une autre valeur masquée.",
			Type: "string", Constraints: &tsConstraints{Enum: []string{programme.MaskSmall.Code(), programme.MaskSecondary.Code()}}},
	}
	return t
}()

// serveSchema answers a Table Schema (an open data file itself: ETag, Last-Modified, 304).
func serveSchema(t tableSchema) http.HandlerFunc {
	body, err := openDataJSON(t, false)
	if err != nil {
		panic("web: table schema " + t.Name + ": " + err.Error())
	}
	made := time.Now()
	return func(w http.ResponseWriter, r *http.Request) {
		serveOpenData(w, r, "application/schema+json; charset=utf-8", body, made)
	}
}
