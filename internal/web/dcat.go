package web

import (
	"net/http"
	"time"

	"campus/internal/catalogue"
	"campus/internal/lheo"
)

// Dataset metadata a portal can harvest (data.gouv.fr, data.europa.eu): DCAT-AP in JSON-LD, in /donnees-ouvertes
// itself and at /donnees-ouvertes/dcat.jsonld. Two datasets, the catalogue and the results, each with its
// distributions (format, media type, schema), licence, publisher, update frequency and temporal coverage.

// EU vocabularies of DCAT-AP (publications.europa.eu authority tables).
const (
	euFileType  = "http://publications.europa.eu/resource/authority/file-type/"
	euFrequency = "http://publications.europa.eu/resource/authority/frequency/"
	euLanguage  = "http://publications.europa.eu/resource/authority/language/FRA"
)

type ld = map[string]any

func ref(id string) ld { return ld{"@id": id} }

func distribution(base, path, title, fileType, mediaType, schema string) ld {
	d := ld{"@type": "dcat:Distribution", "dct:title": title, "dcat:accessURL": ref(base + path), "dcat:downloadURL": ref(base + path),
		"dct:format": ref(euFileType + fileType), "dcat:mediaType": mediaType, "dct:license": ref(licenceURL)}
	if schema != "" {
		d["dct:conformsTo"] = ref(schema)
	}
	return d
}

func period(from, to time.Time) ld {
	p := ld{"@type": "dct:PeriodOfTime"}
	if !from.IsZero() {
		p["dcat:startDate"] = ld{"@value": from.In(catalogue.Paris).Format("2006-01-02"), "@type": "xsd:date"}
	}
	if !to.IsZero() {
		p["dcat:endDate"] = ld{"@value": to.In(catalogue.Paris).Format("2006-01-02"), "@type": "xsd:date"}
	}
	return p
}

// dcatCatalog is the DCAT-AP description of the open data.
func (s *Server) dcatCatalog(r *http.Request) (ld, error) {
	from, to, first, err := s.store.OpenDataPeriods(r.Context())
	if err != nil {
		return nil, err
	}
	base := s.cfg.BaseURL.String()
	now := time.Now()
	if from.IsZero() {
		from = now
	}
	// The results cover every enrolment since the first one, and their monthly indicator the last twelve months.
	if months := lastYear(); first.IsZero() || months[0].Before(first) {
		first = months[0]
	}
	publisher := ld{"@type": "foaf:Organization", "foaf:name": lheo.LegalName, "@id": "https://annuaire-entreprises.data.gouv.fr/etablissement/" + lheo.SIRET}
	contact := ld{"@type": "vcard:Organization", "vcard:fn": lheo.Name, "vcard:hasEmail": ref("mailto:" + lheo.ContactEmail)}
	// dataset describes one of the datasets, with what they share.
	dataset := func(anchor, identifier, title, description string, keywords []string, temporal ld, distributions ...ld) ld {
		return ld{"@id": base + "/donnees-ouvertes#" + anchor, "@type": "dcat:Dataset", "dct:identifier": identifier,
			"dct:title": title, "dct:description": description, "dcat:keyword": keywords, "dct:temporal": temporal,
			"dcat:distribution": distributions, "dct:publisher": publisher, "dcat:contactPoint": contact,
			"dct:license": ref(licenceURL), "dct:language": ref(euLanguage),
			"dct:accrualPeriodicity": ref(euFrequency + "CONT"), // continuously updated
			"dcat:landingPage":       ref(base + "/donnees-ouvertes")}
	}
	return ld{
		"@context": ld{"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/",
			"vcard": "http://www.w3.org/2006/vcard/ns#", "xsd": "http://www.w3.org/2001/XMLSchema#"},
		"@id": base + "/donnees-ouvertes#catalogue", "@type": "dcat:Catalog",
		"dct:title":       "Données ouvertes du Campus du numérique public",
		"dct:description": "Le catalogue de formation et le bilan du Campus du numérique public, l’école du numérique des agents de l’État.",
		"dct:publisher":   publisher, "dct:license": ref(licenceURL), "dct:language": ref(euLanguage),
		"foaf:homepage": ref(base + "/"),
		"dcat:dataset": []ld{
			dataset("jeu-catalogue", base+"/api/catalogue.json", "Catalogue de formation du Campus du numérique public",
				"Les formations publiées (modules, parcours, programmes sur mesure) avec leurs sessions datées : "+
					"domaines, formats, niveaux, durées, publics, partenaires, lieux et places. Couverture : les sessions à venir.",
				[]string{"formation", "numérique", "fonction publique", "agents publics", "LHÉO"}, period(from, to),
				distribution(base, "/api/catalogue.json", "Catalogue (JSON)", "JSON", "application/json", ""),
				distribution(base, "/api/catalogue.csv", "Catalogue (CSV)", "CSV", "text/csv", base+"/api/catalogue.schema.json"),
				distribution(base, "/api/lheo.xml", "Catalogue au format LHÉO 2.3", "XML", "application/xml", lheo.Namespace)),
			dataset("jeu-bilan", base+"/bilan/donnees.json", "Bilan du Campus du numérique public",
				"Agents formés, inscriptions et formations suivies par domaine, public, format et mois, licences, formateurs. "+
					"Les effectifs de 1 à 4 personnes ne sont pas publiés (secret statistique).",
				[]string{"formation", "numérique", "fonction publique", "bilan", "statistiques"}, period(first, now),
				distribution(base, "/bilan/donnees.csv", "Bilan (CSV)", "CSV", "text/csv", base+"/bilan/donnees.schema.json"),
				distribution(base, "/bilan/donnees.json", "Bilan (JSON)", "JSON", "application/json", "")),
		},
	}, nil
}

// dcatJSONLD is GET /donnees-ouvertes/dcat.jsonld.
func (s *Server) dcatJSONLD(w http.ResponseWriter, r *http.Request) {
	c, err := s.dcatCatalog(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.serveOpenDataJSON(w, r, "application/ld+json; charset=utf-8", c, false, time.Time{})
}
