package e2e

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/a-h/templ"

	"campus/templates"
)

// brokenPageServer serves the portal's real layout around content with two deliberate accessibility faults.
func brokenPageServer(t *testing.T) string {
	t.Helper()
	content := templ.Raw(`<div class="fr-container"><h1>Page piégée</h1>
		<img src="/nulle-part.png">
		<form><input type="text" name="q"></form></div>`)
	page := templates.Layout(templates.Page{Title: "Page piégée"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page.Render(templ.WithChildren(r.Context(), content), w)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
