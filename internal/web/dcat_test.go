package web_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/testdb"
)

// TestOpenData_DCAT: /donnees-ouvertes carries the DCAT-AP description of its datasets (JSON-LD), the same as
// /donnees-ouvertes/dcat.jsonld; each dataset has its title, description, licence URL, publisher, frequency and
// temporal coverage, and each distribution's address answers with its media type (and the CSV ones conform to
// the schema served at their conformsTo).
func TestOpenData_DCAT(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testdb.Seeded(t))
	p := get(t, srv, "/donnees-ouvertes")
	var inPage, file map[string]any
	p.doc.Find(`head script[type="application/ld+json"]`).Each(func(_ int, s *goquery.Selection) {
		var v map[string]any
		if err := json.Unmarshal([]byte(s.Text()), &v); err == nil && v["@type"] == "dcat:Catalog" {
			if inPage != nil {
				t.Error("two DCAT catalogues in the page")
			}
			inPage = v
		}
	})
	if inPage == nil {
		t.Fatal("no DCAT catalogue in the page's head")
	}
	f := get(t, srv, "/donnees-ouvertes/dcat.jsonld")
	if f.status != http.StatusOK || !strings.HasPrefix(f.header.Get("Content-Type"), "application/ld+json") {
		t.Fatalf("dcat.jsonld: %d %s", f.status, f.header.Get("Content-Type"))
	}
	if err := json.Unmarshal([]byte(f.body), &file); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(inPage, file) {
		t.Error("the page and dcat.jsonld differ")
	}
	if file["@type"] != "dcat:Catalog" || file["@context"] == nil {
		t.Fatalf("not a DCAT catalogue: %v", file["@type"])
	}
	id := func(v any) string {
		m, _ := v.(map[string]any)
		s, _ := m["@id"].(string)
		return s
	}
	datasets, _ := file["dcat:dataset"].([]any)
	if len(datasets) != 2 {
		t.Fatalf("%d datasets", len(datasets))
	}
	files := 0
	for _, d := range datasets {
		ds := d.(map[string]any)
		name, _ := ds["dct:title"].(string)
		if ds["@type"] != "dcat:Dataset" || name == "" || ds["dct:description"] == "" ||
			id(ds["dct:license"]) != "https://www.etalab.gouv.fr/licence-ouverte-open-licence/" ||
			!strings.HasSuffix(id(ds["dct:accrualPeriodicity"]), "/frequency/CONT") {
			t.Errorf("dataset %q: %v", name, ds)
		}
		if pub, _ := ds["dct:publisher"].(map[string]any); pub["foaf:name"] == nil {
			t.Errorf("%s: no publisher", name)
		}
		if tm, _ := ds["dct:temporal"].(map[string]any); tm["dcat:startDate"] == nil {
			t.Errorf("%s: no temporal coverage", name)
		}
		dists, _ := ds["dcat:distribution"].([]any)
		for _, x := range dists {
			dist := x.(map[string]any)
			url := id(dist["dcat:downloadURL"])
			path := strings.TrimPrefix(url, "https://campus.example.gouv.fr")
			res := get(t, srv, path)
			media, _ := dist["dcat:mediaType"].(string)
			if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), media) || id(dist["dct:format"]) == "" {
				t.Errorf("%s: %d %s, announced %s", url, res.status, res.header.Get("Content-Type"), media)
			}
			if media == "text/csv" {
				schema := strings.TrimPrefix(id(dist["dct:conformsTo"]), "https://campus.example.gouv.fr")
				if s := get(t, srv, schema); s.status != http.StatusOK || !strings.Contains(s.body, `"fields"`) {
					t.Errorf("%s: schema %q answers %d", url, schema, s.status)
				}
			}
			files++
		}
	}
	if files != 5 {
		t.Errorf("%d distributions, want the 5 open data files", files)
	}
}
