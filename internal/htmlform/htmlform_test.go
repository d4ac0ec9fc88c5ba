package htmlform

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestValues: what a browser sends for a form with every kind of control the portal uses.
func TestValues(t *testing.T) {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(`<form id="f">
		<input type="hidden" name="csrf" value="jeton">
		<input name="titre" value="Données">
		<input type="email" name="vide">
		<input name="inactif" value="x" disabled>
		<input type="checkbox" name="publics" value="agents" checked>
		<input type="checkbox" name="publics" value="cadres">
		<input type="checkbox" name="accord" checked>
		<input type="radio" name="format" value="en_ligne">
		<input type="radio" name="format" value="hybride" checked>
		<textarea name="resume">Deux
lignes</textarea>
		<select name="domaine"><option value="">Choisir</option><option value="data" selected>Data</option></select>
		<select name="niveau"><option disabled>—</option><option>  Tous
			niveaux </option><option value="expert">Expert</option></select>
		<select name="themes" multiple><option value="a" selected>A</option><option value="b">B</option><option value="c" selected>C</option></select>
		<select name="aucun" multiple><option value="a">A</option></select>
		<button name="action" value="publier">Publier</button>
		<input type="submit" name="envoyer" value="Envoyer">
	</form><input name="dehors" value="x">`))
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"csrf": {"jeton"}, "titre": {"Données"}, "vide": {""}, "publics": {"agents"}, "accord": {"on"},
		"format": {"hybride"}, "resume": {"Deux\nlignes"}, "domaine": {"data"}, "niveau": {"Tous niveaux"}, "themes": {"a", "c"}}
	if got := Values(doc.Find("#f")); !reflect.DeepEqual(got, want) {
		t.Errorf("Values =\n%v\nwant\n%v", got, want)
	}
}
