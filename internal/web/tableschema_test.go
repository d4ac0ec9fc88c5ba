package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"campus/internal/testdb"
)

// tableSchema is what the test reads of a Table Schema.
type tableSchema struct {
	Fields []struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Type        string   `json:"type"`
		Format      string   `json:"format"`
		TrueValues  []string `json:"trueValues"`
		FalseValues []string `json:"falseValues"`
		Constraints struct {
			Required bool     `json:"required"`
			Unique   bool     `json:"unique"`
			Enum     []string `json:"enum"`
			Pattern  string   `json:"pattern"`
			Minimum  *int     `json:"minimum"`
		} `json:"constraints"`
	} `json:"fields"`
	MissingValues []string `json:"missingValues"`
	Delimiter     string   `json:"delimiter"`
	Licenses      []struct {
		Path string `json:"path"`
	} `json:"licenses"`
}

// validate checks a CSV against a Table Schema: the header is the fields' names in order, and each cell has
// its field's type (integer, boolean with its true and false values, ISO date, absolute URI), enum, pattern,
// minimum, required and unique constraints. It returns the problems, at most 20.
func (ts tableSchema) validate(recs [][]string) []string {
	var problems []string
	add := func(s string) {
		if len(problems) < 20 {
			problems = append(problems, s)
		}
	}
	var names []string
	for _, f := range ts.Fields {
		names = append(names, f.Name)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], names) {
		return []string{"header " + strings.Join(recs[0], ";") + ", schema " + strings.Join(names, ";")}
	}
	seen := make([]map[string]bool, len(ts.Fields))
	for line, rec := range recs[1:] {
		for i, f := range ts.Fields {
			v := rec[i]
			at := "line " + strconv.Itoa(line+2) + ", " + f.Name + " " + strconv.Quote(v)
			if slices.Contains(ts.MissingValues, v) {
				if f.Constraints.Required {
					add(at + ": required")
				}
				continue
			}
			switch f.Type {
			case "integer":
				n, err := strconv.Atoi(v)
				if err != nil {
					add(at + ": not an integer")
				} else if f.Constraints.Minimum != nil && n < *f.Constraints.Minimum {
					add(at + ": below the minimum")
				}
			case "boolean":
				if !slices.Contains(f.TrueValues, v) && !slices.Contains(f.FalseValues, v) {
					add(at + ": not a boolean")
				}
			case "date":
				if _, err := time.Parse("2006-01-02", v); err != nil {
					add(at + ": not an ISO date")
				}
			case "string":
				if f.Format == "uri" {
					if u, err := url.Parse(v); err != nil || !u.IsAbs() {
						add(at + ": not a URI")
					}
				}
			default:
				add(at + ": unknown type " + f.Type)
			}
			if len(f.Constraints.Enum) > 0 && !slices.Contains(f.Constraints.Enum, v) {
				add(at + ": not in " + strings.Join(f.Constraints.Enum, ", "))
			}
			if f.Constraints.Pattern != "" && !regexp.MustCompile(f.Constraints.Pattern).MatchString(v) {
				add(at + ": does not match " + f.Constraints.Pattern)
			}
			if f.Constraints.Unique {
				if seen[i] == nil {
					seen[i] = map[string]bool{}
				}
				if seen[i][v] {
					add(at + ": not unique")
				}
				seen[i][v] = true
			}
		}
	}
	return problems
}

// TestOpenData_CSVMatchTheirSchema fetches each published CSV and its Table Schema from the stable URL that
// /donnees-ouvertes links, and validates the one against the other; the catalogue CSV has the JSON's codes.
func TestOpenData_CSVMatchTheirSchema(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testdb.Seeded(t))
	page := get(t, srv, "/donnees-ouvertes")
	for _, c := range []struct{ csv, schema string }{
		{"/api/catalogue.csv", "/api/catalogue.schema.json"},
		{"/api/catalogue.csv?format=presentiel&places=1", "/api/catalogue.schema.json"},
		{"/bilan/donnees.csv", "/bilan/donnees.schema.json"},
	} {
		t.Run(c.csv, func(t *testing.T) {
			if page.doc.Find(`a[href="`+c.schema+`"]`).Length() == 0 {
				t.Errorf("/donnees-ouvertes does not link %s", c.schema)
			}
			s := get(t, srv, c.schema)
			var ts tableSchema
			if err := json.Unmarshal([]byte(s.body), &ts); err != nil || s.status != http.StatusOK {
				t.Fatalf("%s: %d %v", c.schema, s.status, err)
			}
			if ts.Delimiter != ";" || len(ts.Licenses) == 0 || !strings.HasPrefix(ts.Licenses[0].Path, "https://") {
				t.Errorf("schema: delimiter %q, licences %v", ts.Delimiter, ts.Licenses)
			}
			for _, f := range ts.Fields {
				if f.Description == "" {
					t.Errorf("field %s has no description", f.Name)
				}
			}
			recs := readSheet(t, []byte(get(t, srv, c.csv).body))
			if len(recs) < 2 {
				t.Fatalf("%d lines", len(recs))
			}
			for _, p := range ts.validate(recs) {
				t.Error(p)
			}
			// The validator itself refuses a wrong file: a boolean written oui, an unknown format.
			bad := slices.Clone(recs)
			bad[1] = slices.Clone(recs[1])
			for i, f := range ts.Fields {
				switch f.Type {
				case "boolean":
					bad[1][i] = "oui"
				case "integer":
					bad[1][i] = "12,5"
				}
			}
			if len(ts.validate(bad)) == 0 {
				t.Error("the validator accepts a boolean oui and an integer 12,5")
			}
		})
	}
	// The catalogue's CSV and JSON say the same: codes, not labels.
	var f struct {
		Formations []struct {
			Slug    string   `json:"slug"`
			Formats []string `json:"formats"`
			Publics []struct {
				Slug string `json:"slug"`
			} `json:"publics"`
		} `json:"formations"`
	}
	if err := json.Unmarshal([]byte(get(t, srv, "/api/catalogue.json").body), &f); err != nil {
		t.Fatal(err)
	}
	recs := readSheet(t, []byte(get(t, srv, "/api/catalogue.csv").body))
	for i, e := range f.Formations {
		var publics []string
		for _, p := range e.Publics {
			publics = append(publics, p.Slug)
		}
		if rec := recs[i+1]; rec[1] != e.Slug || rec[6] != strings.Join(e.Formats, "|") || rec[12] != strings.Join(publics, "|") {
			t.Errorf("%s: CSV %v, JSON %v %v", e.Slug, rec, e.Formats, publics)
		}
	}
}
