// Package lheo writes the published catalogue in LHÉO 2.3 (Langage harmonisé d'échange d'informations sur l'offre
// de formation, decree 2015-742, namespace http://lheo.gouv.fr/2.3), the language of the Carif-Oref networks and
// of the national offer aggregators. No HTTP, no SQL: it turns catalogue values into the XML document.
//
// This file is the one reviewed place where the Campus's values meet LHÉO's reference tables: formats, levels,
// audiences, domains, the organisation responsible and the partners that teach. Each code is quoted with its
// meaning in the LHÉO 2.3 dictionary (lheo.gouv.fr, "Tables") or the nomenclature it comes from; the schema
// (../shared/lheo/lheo-2.3.xsd) is the authority on which elements are mandatory and in which order.
package lheo

import "campus/internal/catalogue"

// Namespace is LHÉO 2.3's XML namespace.
const Namespace = "http://lheo.gouv.fr/2.3"

// The organisation responsible for every formation: the Campus du numérique public, run by the DINUM.
const (
	// SIRET of the Direction interministérielle du numérique (DINUM), 20 avenue de Ségur, 75007 Paris.
	SIRET        = "13002526500013"
	Name         = "Campus du numérique public"
	LegalName    = "Direction interministérielle du numérique (DINUM)"
	AddressLine  = "20 avenue de Ségur"
	PostalCode   = "75007"
	City         = "Paris"
	ContactEmail = "campus@numerique.gouv.fr"

	// ActivityNumber fills numero-activite (the "numéro de déclaration d'activité", 11 characters, mandatory).
	// The DINUM is a State service: it holds no declaration number (article L. 6351-1 of the code du travail
	// concerns training providers); eleven zeros say "no number". To confirm with the receiving Carif-Oref.
	ActivityNumber = "00000000000"
)

// Teaching modes: modalites-enseignement (LHÉO table "modalités d'enseignement").
const (
	TeachingInPerson = "0" // formation entièrement présentielle
	TeachingMixed    = "1" // formation mixte
	TeachingDistance = "2" // formation entièrement à distance
)

// TeachingMode maps a Campus format to modalites-enseignement.
func TeachingMode(format string) string {
	switch format {
	case catalogue.FormatOnline:
		return TeachingDistance
	case catalogue.FormatInPerson:
		return TeachingInPerson
	}
	return TeachingMixed // catalogue.FormatHybrid: in person and at a distance
}

// Course types: parcours-de-formation (LHÉO table "parcours de formation").
const (
	CourseGroup      = "1" // en groupe (effectif, promotion): a dated session
	CourseIndividual = "2" // individualisé: a self-paced online module
	CourseModular    = "3" // modularisé: a track, made of modules
)

// Entry and exit: modalites-entrees-sorties (LHÉO table "modalités d'entrées/sorties").
const (
	EntryFixedDates = "0" // entrées/sorties à dates fixes: dated sessions
	EntryPermanent  = "1" // entrées/sorties permanentes: online modules and tracks, started at any time
)

// Dates of a session without fixed dates (periode, AAAAMMJJ): LHÉO's conventions for an unknown start and end.
const (
	UnknownStart = "00000000"
	UnknownEnd   = "99999999"
)

// EntryLevel fills code-niveau-entree (LHÉO table "niveaux", code 1: "sans niveau spécifique"). The Campus's
// levels (découverte, intermédiaire, avancé) measure the agent's command of the subject, not a diploma: no
// module asks for a level of the national table, so every level maps to 1 and niveau-entree-obligatoire is 0.
// The Campus level itself is stated in conditions-specifiques (LevelText).
func EntryLevel(level string) string { return "1" }

// LevelText states a Campus level in words, for conditions-specifiques.
func LevelText(level string) string {
	return "Niveau « " + catalogue.LevelLabel(level) + " » (échelle du Campus : découverte, intermédiaire, avancé)"
}

// AudienceCode fills code-public-vise (a Formacode® descriptor of the annex list "publics", 5 digits). Every
// Campus audience is a population of public servants; the descriptor used is 80006 ("tout public"), and the exact
// audiences are written in info-public-vise. A finer descriptor for public servants is to be chosen with the
// receiving Carif-Oref against the Formacode® edition it uses.
func AudienceCode(audienceSlug string) string { return "80006" }

// DomainNSF is the NSF code (Nomenclature des spécialités de formation, INSEE/CNIS 1994, 3 characters) of each
// Campus domain, for domaine-formation/code-NSF. A domain missing here gets 326 (the digital field as a whole).
var DomainNSF = map[string]string{
	"agilite-et-produit":                 "310", // spécialités plurivalentes des échanges et de la gestion
	"communs-et-logiciels-libres":        "326", // informatique, traitement de l'information, réseaux de transmission
	"cybersecurite":                      "326", // informatique, traitement de l'information, réseaux de transmission
	"data":                               "326", // informatique, traitement de l'information, réseaux de transmission
	"design-et-accessibilite":            "320", // spécialités plurivalentes de la communication
	"environnement-numerique-de-travail": "324", // secrétariat, bureautique
	"numerique-responsable":              "326", // informatique, traitement de l'information, réseaux de transmission
	"technologies-et-infrastructures":    "326", // informatique, traitement de l'information, réseaux de transmission
	"transformation-numerique":           "310", // spécialités plurivalentes des échanges et de la gestion
	"intelligence-artificielle":          "326", // informatique, traitement de l'information, réseaux de transmission
}

// NSF is the NSF code of a domain.
func NSF(domainSlug string) string {
	if c, ok := DomainNSF[domainSlug]; ok {
		return c
	}
	return "326"
}

// PartnerSIRET is the SIRET of each partner that teaches Campus modules, for organisme-formateur (whose SIRET is
// mandatory). Only numbers checked against the SIRENE register belong here; a partner without one (international
// organisations have none) is named in the action's extras instead. Modules the Campus gives itself (no
// partner) are taught by the DINUM.
var PartnerSIRET = map[string]string{
	"dinum": SIRET,
}
