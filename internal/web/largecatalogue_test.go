package web_test

import (
	"strings"
	"testing"

	"campus/internal/catalogue"
	"campus/internal/testdb"
)

// TestLargeCatalogue_PagesStayBounded: on a catalogue the size of the national one, a domain holding 30 more
// modules and 15 more tracks, and a partner 60 more modules, their pages show the first ones with the true
// counts and a link to all of them in the catalogue search (whose facet finds them all), instead of pages of
// a megabyte and more.
func TestLargeCatalogue_PagesStayBounded(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "grand_catalogue", 4)
	testdb.Exec(t, store, `INSERT INTO modules (slug, domain_id, partner_id, title, summary, objectives, outline, duration_minutes, format, level, status)
		SELECT m.slug || '-copie-' || g, m.domain_id, m.partner_id, m.title || ' (édition ' || g || ')', m.summary, m.objectives, m.outline,
		       m.duration_minutes, m.format, m.level, 'published'
		FROM (SELECT * FROM modules WHERE status = 'published' AND domain_id = (SELECT id FROM domains WHERE slug = 'data')
		      ORDER BY id LIMIT 1) m CROSS JOIN generate_series(1, 30) g`)
	testdb.Exec(t, store, `INSERT INTO tracks (slug, domain_id, title, summary, description, status)
		SELECT 'parcours-data-' || g, d.id, 'Parcours data ' || g, 'Résumé', 'Description', 'published'
		FROM domains d CROSS JOIN generate_series(1, 15) g WHERE d.slug = 'data'`)
	partner := testdb.String(t, store, `SELECT p.slug FROM partners p WHERE p.status = 'published' ORDER BY p.id LIMIT 1`)
	testdb.Exec(t, store, `INSERT INTO modules (slug, domain_id, partner_id, title, summary, objectives, outline, duration_minutes, format, level, status)
		SELECT 'module-partenaire-' || g, (SELECT id FROM domains WHERE slug = 'cybersecurite'), p.id, 'Module partenaire ' || g, 'Résumé',
		       '{}', '{}', 60, 'en_ligne', 'decouverte', 'published'
		FROM partners p CROSS JOIN generate_series(1, 60) g WHERE p.slug = $1`, partner)

	var modules, tracks, partnerModules int
	testdb.Row(t, store, `SELECT
		(SELECT count(*) FROM modules m JOIN domains d ON d.id = m.domain_id WHERE d.slug = 'data' AND m.status = 'published'),
		(SELECT count(*) FROM tracks t JOIN domains d ON d.id = t.domain_id WHERE d.slug = 'data' AND t.status = 'published' AND t.administration = ''),
		(SELECT count(*) FROM modules m JOIN partners p ON p.id = m.partner_id WHERE p.slug = $1 AND m.status = 'published')`, partner).
		Scan(&modules, &tracks, &partnerModules)

	srv := newServer(t, store)
	p := get(t, srv, "/domaines/data")
	checkFrame(t, "/domaines/data", p)
	if n := p.doc.Find(`#modules ~ * a[href^="/modules/"]`).Length(); n != catalogue.DomainPageModules {
		t.Errorf("%d module cards, want %d", n, catalogue.DomainPageModules)
	}
	if n := p.doc.Find(`#parcours ~ * a[href^="/parcours/"]`).Length(); n != catalogue.DomainPageTracks {
		t.Errorf("%d track cards, want %d", n, catalogue.DomainPageTracks)
	}
	if h := text(p.doc.Find("h2#modules")); h != "Modules ("+itoa(modules)+")" {
		t.Errorf("heading %q, want the %d modules", h, modules)
	}
	if h := text(p.doc.Find("h2#parcours")); h != "Parcours ("+itoa(tracks)+")" {
		t.Errorf("heading %q, want the %d tracks", h, tracks)
	}
	more, _ := p.doc.Find(`a[href="/catalogue?domaine=data&type=module"]`).Attr("href")
	if more == "" || !strings.Contains(p.body, "Voir les "+itoa(modules)+" modules du domaine") ||
		p.doc.Find(`a[href="/catalogue?domaine=data&type=parcours"]`).Length() != 1 {
		t.Fatal("no link to the whole list in the catalogue")
	}
	if s := get(t, srv, more); !strings.Contains(text(s.doc.Find("h1")), itoa(modules)+" résultats") &&
		!strings.Contains(s.doc.Find("title").Text(), itoa(modules)+" résultats") {
		t.Errorf("the catalogue does not find the %d modules: %q", modules, s.doc.Find("title").Text())
	}

	pp := get(t, srv, "/partenaires/"+partner)
	if n := pp.doc.Find(`main a[href^="/modules/"]`).Length(); n != catalogue.PartnerPageModules {
		t.Errorf("partner page: %d module cards, want %d", n, catalogue.PartnerPageModules)
	}
	if !strings.Contains(pp.body, "Modules proposés ("+itoa(partnerModules)+")") ||
		pp.doc.Find(`a[href="/catalogue?partenaire=`+partner+`&type=module"]`).Length() != 1 {
		t.Errorf("partner page: no count of %d or no link to the catalogue", partnerModules)
	}
}
