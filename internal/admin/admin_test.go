package admin_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/internal/catalogue"
)

const header = "slug;titre;domaine;partenaire;resume;objectifs;programme;duree_minutes;format;niveau;prerequis;url_externe;mots_cles;publics;statut"

func TestParseModulesCSV(t *testing.T) {
	row := "mon-module;Mon module;data;;Un résumé;A|B;;60;en_ligne;decouverte;;;;;publié"
	t.Run("WithAndWithoutBOM", func(t *testing.T) {
		for _, data := range []string{header + "\n" + row + "\n", "\uFEFF" + header + "\r\n" + row + "\r\n"} {
			rows, err := admin.ParseModulesCSV([]byte(data))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || rows[0].Line != 2 || rows[0].Input.Title != "Mon module" || rows[0].Status != catalogue.StatusPublished ||
				strings.Join(rows[0].Input.Objectives, ",") != "A,B" {
				t.Errorf("rows = %+v", rows)
			}
		}
	})
	fileError := func(t *testing.T, data []byte, want string) {
		t.Helper()
		_, err := admin.ParseModulesCSV(data)
		var fe *admin.FileError
		if !errors.As(err, &fe) || !strings.Contains(fe.Message, want) {
			t.Errorf("err = %v, want a file error containing %q", err, want)
		}
	}
	t.Run("ErrInvalidUTF8", func(t *testing.T) {
		latin1 := []byte(header + "\n" + "mon-module;Module de s\xe9curit\xe9;data;;r;;;60;en_ligne;decouverte;;;;;\n")
		fileError(t, latin1, "pas encodé en UTF-8 (premier caractère illisible ligne 2)")
	})
	t.Run("ErrHeader", func(t *testing.T) {
		fileError(t, []byte(strings.Replace(header, "titre", "title", 1)+"\n"+row+"\n"), "l’en-tête doit être exactement")
		fileError(t, []byte(strings.ReplaceAll(header, ";", ",")+"\n"), "points-virgules")
	})
	t.Run("ErrSize", func(t *testing.T) {
		fileError(t, bytes.Repeat([]byte("x"), admin.MaxImportBytes+1), "2 Mo")
	})
	t.Run("ErrQuote", func(t *testing.T) {
		fileError(t, []byte(header+"\n"+row+"\n"+`a;Le "cloud";data;;r;;;60;en_ligne;decouverte;;;;;`+"\n"), "Ligne 3 : guillemet mal placé")
	})
	t.Run("ErrEmpty", func(t *testing.T) {
		fileError(t, []byte(header+"\n"), "que l’en-tête")
		fileError(t, []byte("\uFEFF"), "vide")
	})
	t.Run("NeutralisedCellsRestored", func(t *testing.T) {
		// As the portal's CSV writer (internal/sheet) writes them: an apostrophe before a formula's first character.
		data := "\uFEFF" + header + "\r\n" + `mon-module;"'=SOMME(1;2)";data;;'-2+3;'+a|b;;60;en_ligne;decouverte;''=x;;'@mot;;publié` + "\r\n"
		rows, err := admin.ParseModulesCSV([]byte(data))
		if err != nil {
			t.Fatal(err)
		}
		in := rows[0].Input
		if in.Title != "=SOMME(1;2)" || in.Summary != "-2+3" || strings.Join(in.Objectives, ",") != "+a,b" || in.Prerequisites != "'=x" ||
			strings.Join(in.Keywords, ",") != "@mot" || in.Duration != "60" {
			t.Errorf("input = %+v", in)
		}
	})
	t.Run("BadRowsKeptWithTheirLine", func(t *testing.T) {
		rows, err := admin.ParseModulesCSV([]byte(header + "\n" + row + "\n\n" + "court;trop;peu\n" + strings.Replace(row, "publié", "en ligne", 1) + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[1].Line != 4 || !strings.Contains(rows[1].Reject[0], "3 colonnes au lieu de 15") ||
			rows[2].Line != 5 || !strings.Contains(rows[2].Reject[0], "statut") {
			t.Errorf("rows = %+v", rows)
		}
	})
}

func refs() admin.Refs {
	return admin.NewRefs(
		[]admin.RefInfo{{ID: 1, Slug: "data", Title: "Données", Status: "published"}, {ID: 2, Slug: "brouillon", Title: "Brouillon", Status: "draft"}},
		[]admin.RefInfo{{ID: 5, Slug: "pix", Title: "Pix", Status: "published"}},
		[]admin.RefInfo{{ID: 7, Slug: "encadrants", Title: "Encadrants", Status: "published"}, {ID: 8, Slug: "agents", Title: "Agents", Status: "published"}})
}

func TestPlanImport(t *testing.T) {
	stored := admin.Module{Meta: admin.Meta{ID: 3, Status: "draft", Version: 4}, Slug: "existant", Title: "Existant", DomainID: 1, Domain: "data",
		Summary: "R", DurationMinutes: 60, Format: "en_ligne", Level: "decouverte", Objectives: []string{}, Outline: []string{}, Keywords: []string{},
		Audiences: []string{}}
	data := header + "\n" +
		"existant;Existant;data;;R;;;60;en_ligne;decouverte;;;;;\n" + // unchanged
		"existant-2;Nouveau;data;pix;R;;;90;presentiel;avance;;;;agents|encadrants;publié\n" + // created, published
		"existant;Existant bis;data;;R;;;60;en_ligne;decouverte;;;;;\n" + // duplicate slug in the file
		"autre;Autre;brouillon;;R;;;60;en_ligne;decouverte;;;;;publié\n" // a published module in a draft domain
	rows, err := admin.ParseModulesCSV([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	p := admin.PlanImport(rows, refs(), map[string]admin.Module{"existant": stored})
	kinds := []string{}
	for _, l := range p.Lines {
		kinds = append(kinds, l.Kind)
	}
	if strings.Join(kinds, ",") != "unchanged,create,reject,reject" || p.CanApply() {
		t.Fatalf("kinds = %v", kinds)
	}
	if got := p.Lines[1].Module; got.Status != "published" || got.PartnerID != 5 || strings.Join(got.Audiences, ",") != "encadrants,agents" {
		t.Errorf("created = %+v (audiences in display order)", got)
	}
	if r := strings.Join(p.Lines[2].Reasons, " "); !strings.Contains(r, "figure déjà ligne 2") {
		t.Errorf("duplicate: %q", r)
	}
	if r := strings.Join(p.Lines[3].Reasons, " "); !strings.Contains(r, "domaine") || !strings.Contains(r, "n’est pas publié") {
		t.Errorf("draft domain: %q", r)
	}
	// The digest depends on what the plan does.
	p2 := admin.PlanImport(rows[:2], refs(), map[string]admin.Module{"existant": stored})
	if p2.Digest() == p.Digest() || !p2.CanApply() {
		t.Error("different plans share a digest, or a clean plan cannot apply")
	}
}

func TestCheckTransition(t *testing.T) {
	for _, c := range []struct {
		entity, from, to string
		deps             admin.Deps
		ok               bool
	}{
		{admin.EntityModule, "draft", "published", admin.Deps{DomainStatus: "published"}, true},
		{admin.EntityModule, "draft", "published", admin.Deps{DomainStatus: "coming"}, true},
		{admin.EntityModule, "draft", "published", admin.Deps{DomainStatus: "draft"}, false},
		{admin.EntityModule, "draft", "published", admin.Deps{DomainStatus: "published", PartnerStatus: "draft"}, false},
		{admin.EntityModule, "published", "draft", admin.Deps{}, false},
		{admin.EntityModule, "published", "archived", admin.Deps{}, true},
		{admin.EntityModule, "archived", "draft", admin.Deps{}, true},
		{admin.EntityModule, "draft", "coming", admin.Deps{}, false},
		{admin.EntityDomain, "draft", "coming", admin.Deps{}, true},
		{admin.EntityDomain, "published", "archived", admin.Deps{PublishedTracks: 1}, false},
		{admin.EntityPartner, "published", "archived", admin.Deps{PublishedModules: 2}, false},
		{admin.EntityAudience, "published", "archived", admin.Deps{Links: 1}, false},
		{admin.EntityAudience, "published", "archived", admin.Deps{}, true},
		{admin.EntityTrack, "draft", "draft", admin.Deps{}, false},
		{admin.EntityTrack, "draft", "published", admin.Deps{DomainStatus: "published"}, true},
		{admin.EntityTrack, "draft", "published", admin.Deps{DomainStatus: "published", Restricted: true}, false},
		{admin.EntityTrack, "draft", "archived", admin.Deps{Restricted: true}, true},
	} {
		err := admin.CheckTransition(c.entity, c.from, c.to, c.deps)
		if (err == nil) != c.ok {
			t.Errorf("%s %s → %s (%+v): %v", c.entity, c.from, c.to, c.deps, err)
		}
		if err != nil && !errors.Is(err, apperr.ErrConflict) {
			t.Errorf("refusal is not a conflict: %v", err)
		}
	}
}

func TestChecks(t *testing.T) {
	t.Run("DomainErrors", func(t *testing.T) {
		_, errs := admin.DomainInput{Slug: "Pas Valide", Title: "", Summary: "x\x00", Position: "douze"}.Check()
		fields := map[string]string{}
		for _, e := range errs {
			fields[e.Field] = e.Message
		}
		if len(fields) != 4 || !strings.Contains(fields["slug"], "minuscules") || !strings.Contains(fields["position"], "nombre entier") {
			t.Errorf("errors = %v", errs)
		}
	})
	t.Run("TrackAccess", func(t *testing.T) {
		refs := admin.NewRefs([]admin.RefInfo{{ID: 1, Slug: "data", Title: "Données", Status: "published"}}, nil, nil)
		in := admin.TrackInput{Title: "Programme", Domain: "data", Administration: "Ministère de l’Intérieur", Participants: "0",
			Summary: "Résumé", Access: "@interieur.gouv.fr\n123456789"}
		if tr, errs := in.Check(refs, "draft"); len(errs) != 0 || tr.Access != nil {
			t.Errorf("a programme that is not restricted keeps no list: %+v %v", tr.Access, errs)
		}
		in.Restricted = true
		_, errs := in.Check(refs, "draft")
		if len(errs) != 1 || errs[0].Field != "access" || !strings.HasPrefix(errs[0].Message, "Ligne 2 : ") {
			t.Errorf("errors = %v", errs)
		}
		in.Access = "\n123 456 782\n@Interieur.gouv.fr\n"
		tr, errs := in.Check(refs, "draft")
		if len(errs) != 0 || tr.Snapshot().Map()["access"] != "123456782 | @interieur.gouv.fr" || tr.Input().Access != "123456782\n@interieur.gouv.fr" {
			t.Errorf("access = %+v %v, snapshot %q", tr.Access, errs, tr.Snapshot().Map()["access"])
		}
	})
	t.Run("Session", func(t *testing.T) {
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, catalogue.Paris)
		rules := admin.SessionRules{Creating: true, Now: now, Trainers: []admin.Person{{ID: 4, Name: "Tom"}},
			Module: func(slug string) (admin.ModuleChoice, bool) {
				return admin.ModuleChoice{ID: 1, Slug: slug, Title: "M", Format: map[string]string{"p": "presentiel", "o": "en_ligne"}[slug]}, slug != "x"
			}}
		s, errs := admin.SessionInput{Module: "p", StartsAt: "2026-03-17T09:30", EndsAt: "2026-03-17T17:00", PlaceName: "Ségur",
			City: "Paris", Capacity: "12", Trainer: "4"}.Check(rules)
		if len(errs) > 0 || s.Trainer != "Tom" || s.StartsAt.Hour() != 9 || s.StartsAt.Location() != catalogue.Paris {
			t.Fatalf("valid session: %+v %v", s, errs)
		}
		_, errs = admin.SessionInput{Module: "o", StartsAt: "2026-02-17T09:30", EndsAt: "2026-02-17T09:00", Capacity: "0", Trainer: "9"}.Check(rules)
		got := map[string]bool{}
		for _, e := range errs {
			got[e.Field] = true
		}
		for _, f := range []string{"module", "starts_at", "ends_at", "place_name", "capacity", "trainer"} {
			if !got[f] {
				t.Errorf("no error on %s: %v", f, errs)
			}
		}
		// An edit keeps a past session's dates, or moves it to the future; never into the past.
		edit := rules
		edit.Creating = false
		edit.Was.StartsAt = time.Date(2026, 2, 10, 9, 30, 0, 0, catalogue.Paris)
		edit.Was.EndsAt = time.Date(2026, 2, 10, 17, 0, 0, 0, catalogue.Paris)
		past := admin.SessionInput{Module: "p", StartsAt: "2026-02-10T09:30", EndsAt: "2026-02-10T17:00", PlaceName: "Ségur", City: "Lyon", Capacity: "12"}
		if _, errs := past.Check(edit); len(errs) != 0 {
			t.Errorf("a past session's other fields cannot be edited: %v", errs)
		}
		for name, in := range map[string]admin.SessionInput{
			"into the past": {Module: "p", StartsAt: "2026-02-08T09:30", EndsAt: "2026-02-10T17:00", PlaceName: "Ségur", City: "Paris", Capacity: "12"},
			"end moved":     {Module: "p", StartsAt: "2026-02-10T09:30", EndsAt: "2026-02-12T17:00", PlaceName: "Ségur", City: "Paris", Capacity: "12"},
		} {
			if _, errs := in.Check(edit); len(errs) != 1 || errs[0].Field != "starts_at" || !strings.Contains(errs[0].Message, "dans le futur") {
				t.Errorf("%s: %v", name, errs)
			}
		}
		future := past
		future.StartsAt, future.EndsAt = "2026-03-20T09:30", "2026-03-20T17:00"
		if _, errs := future.Check(edit); len(errs) != 0 {
			t.Errorf("moved to the future: %v", errs)
		}
	})
}

func TestAuditEntryChanges(t *testing.T) {
	e := admin.AuditEntry{Entity: admin.EntityModule, Before: map[string]string{"title": "A", "summary": "S", "status": "Brouillon"},
		After: map[string]string{"title": "B", "summary": "S", "status": "Publié"}}
	ch := e.Changes()
	if len(ch) != 2 || ch[0].Label != "Titre" || ch[0].Before != "A" || ch[0].After != "B" || ch[1].Label != "État" {
		t.Errorf("changes = %+v", ch)
	}
}

// TestChecks_TypesetProse: every entity's check gives its prose in French typography (catalogue.Typeset), what
// the snapshot, the audit log and the store then see, and leaves the rest as typed: slugs, web addresses,
// keywords, codes, a tailored programme's administration.
func TestChecks_TypesetProse(t *testing.T) {
	const p = "L'écrit : « x » ; oui ?"
	typeset := catalogue.Typeset(p)
	if typeset == p {
		t.Fatal("the sample has no typography to do")
	}
	const url, keyword, administration = "https://www.exemple.gouv.fr/page?x=l'y", "l'IA ?", "Ministère de l'Intérieur"
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, catalogue.Paris)
	sessions := admin.SessionRules{Creating: true, Now: now,
		Module: func(slug string) (admin.ModuleChoice, bool) {
			return admin.ModuleChoice{ID: 1, Slug: slug, Title: "M", Format: "presentiel", Status: "published"}, true
		}}
	check := func(entity string, snap admin.Snapshot, errs admin.Errors, want map[string]string) {
		t.Helper()
		if len(errs) != 0 {
			t.Fatalf("%s: %v", entity, errs)
		}
		got := snap.Map()
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", entity, k, got[k], v)
			}
		}
	}
	d, errs := admin.DomainInput{Slug: "l-ecrit", Title: p, Summary: p, Description: p}.Check()
	check("domain", d.Snapshot(), errs, map[string]string{"slug": "l-ecrit", "title": typeset, "summary": typeset, "description": typeset})
	pa, errs := admin.PartnerInput{Name: p, ShortName: "L'É ?", Kind: "ecole", Website: url, Summary: p, Description: p}.Check()
	check("partner", pa.Snapshot(), errs, map[string]string{"slug": "l-ecrit-x-oui", "name": typeset, "short_name": "L’É\u202f?",
		"website": url, "summary": typeset, "description": typeset})
	a, errs := admin.AudienceInput{Label: p, Description: p}.Check()
	check("audience", a.Snapshot(), errs, map[string]string{"label": typeset, "description": typeset})
	m, errs := admin.ModuleInput{Title: p, Domain: "data", Summary: p, Objectives: []string{p, p}, Outline: []string{p}, Duration: "60",
		Format: "en_ligne", Level: "avance", Prerequisites: p, ExternalURL: url, Keywords: []string{keyword}}.Check(refs(), "draft")
	check("module", m.Snapshot(), errs, map[string]string{"title": typeset, "summary": typeset, "objectives": typeset + " | " + typeset,
		"outline": typeset, "prerequisites": typeset, "external_url": url, "keywords": keyword})
	tr, errs := admin.TrackInput{Title: p, Domain: "data", Administration: administration, Summary: p, Description: p}.Check(refs(), "draft")
	check("track", tr.Snapshot(), errs, map[string]string{"title": typeset, "administration": administration, "summary": typeset, "description": typeset})
	s, errs := admin.SessionInput{Module: "m", StartsAt: "2026-03-17T09:30", EndsAt: "2026-03-17T17:00", PlaceName: p,
		Address: "12 rue de l'Église", City: "L'Haÿ-les-Roses", VirtualURL: url, Capacity: "12"}.Check(sessions)
	check("session", s.Snapshot(), errs, map[string]string{"place_name": typeset, "address": "12 rue de l’Église", "city": "L’Haÿ-les-Roses",
		"virtual_url": url})
}
