package postgres_test

import (
	"context"
	"errors"
	"testing"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/programme"
	"campus/internal/testdb"
)

func TestStore_ProgrammeRequest(t *testing.T) {
	t.Parallel()
	s := testdb.NewSeeded(t, "sur_mesure", 4)
	ctx := context.Background()
	email := uniqueEmail("demande")
	req := programme.Request{Administration: "Ministère de la Culture", ContactName: "Alix Martin", ContactEmail: email,
		Need: "Former nos chefs de projet à l’accessibilité.", Audience: "Chefs de projet", Headcount: 40,
		Timing: "Premier semestre", Domains: []programme.Ref{{Slug: "design-et-accessibilite"}}, Audiences: []programme.Ref{{Slug: "managers"}}}
	id, tok, err := s.SubmitProgrammeRequest(ctx, req, 0)
	if err != nil {
		t.Fatal(err)
	}
	if mailed := testdb.LastLink(t, s, email, "/programmes-sur-mesure/suivi/"); mailed != tok {
		t.Errorf("the acknowledgement's follow-up link %q, want the returned token %q", mailed, tok)
	}
	r, err := s.ProgrammeRequestByFollowHash(ctx, account.HashToken(tok))
	if err != nil || r.ID != id || r.Status != programme.StatusReceived || len(r.Domains) != 1 || r.Audiences[0].Title != "Managers" {
		t.Fatalf("ProgrammeRequestByFollowHash = %+v, %v", r, err)
	}
	if _, err := s.ProgrammeRequestByFollowHash(ctx, account.HashToken("autre")); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("unknown link: %v", err)
	}

	t.Run("ErrTransition", func(t *testing.T) {
		if _, err := s.ChangeProgrammeRequest(ctx, id, programme.Change{To: programme.StatusAccepted}, system); !errors.Is(err, programme.ErrTransition) {
			t.Errorf("accepting a received request: %v", err)
		}
	})
	if _, err := s.ChangeProgrammeRequest(ctx, id, programme.Change{To: programme.StatusStudy, Note: "Voir avec l’équipe design"}, system); err != nil {
		t.Fatal(err)
	}
	modules := testdb.Column[int64](t, s, `SELECT m.id FROM modules m JOIN domains d ON d.id = m.domain_id
		WHERE d.slug = 'design-et-accessibilite' AND m.status = 'published' ORDER BY m.id DESC LIMIT 3`)
	t.Run("ErrUnknownModule", func(t *testing.T) {
		_, err := s.ChangeProgrammeRequest(ctx, id, programme.Change{To: programme.StatusProposed, Title: "X", Proposal: "Y", Message: "Z",
			Modules: append([]int64{-1}, modules...)}, system)
		if !errors.Is(err, apperr.ErrConflict) {
			t.Errorf("proposing an unknown module: %v", err)
		}
	})
	r, err = s.ChangeProgrammeRequest(ctx, id, programme.Change{To: programme.StatusProposed, Title: "Accessibilité pour la Culture",
		Proposal: "Trois modules sur deux mois.", Message: "Voici notre proposition.", Modules: modules}, system)
	if err != nil || r.Status != programme.StatusProposed || len(r.Modules) != 3 || r.Modules[0].ID != modules[0] {
		t.Fatalf("propose = %+v, %v", r, err)
	}

	t.Run("AcceptRestricted", func(t *testing.T) {
		r, err := s.ChangeProgrammeRequest(ctx, id, programme.Change{To: programme.StatusAccepted, Message: "Merci", Public: false}, system)
		if err != nil || r.Status != programme.StatusAccepted || r.Track == nil || !r.TrackRestricted {
			t.Fatalf("accept = %+v, %v", r, err)
		}
		// Out of the public catalogue…
		if _, err := s.TrackBySlug(ctx, r.Track.Slug); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("a restricted programme in the public catalogue: %v", err)
		}
		// …shown to the accounts of its access list (restricted_test.go), with its modules in order.
		testdb.Exec(t, s, `INSERT INTO track_access (track_id, kind, value) VALUES ($1, 'domain', 'culture.gouv.fr')`, r.Track.ID)
		ps, err := s.RestrictedProgrammes(ctx, programme.Viewer{Email: "agent@culture.gouv.fr", EmailVerified: true})
		if err != nil || len(ps) != 1 || ps[0].Slug != r.Track.Slug || len(ps[0].Modules) != 3 || ps[0].Modules[0].ID != modules[0] {
			t.Fatalf("RestrictedProgrammes = %+v, %v", ps, err)
		}
		if ps := testdb.Must(s.RestrictedProgrammes(ctx, programme.Viewer{Email: "agent@numerique.gouv.fr", EmailVerified: true}))(t); len(ps) != 0 {
			t.Errorf("another administration sees %+v", ps)
		}
		full, err := s.ProgrammeRequest(ctx, id)
		if err != nil || len(full.Events) != 3 || full.Events[0].Note != "Voir avec l’équipe design" {
			t.Errorf("history = %+v, %v", full.Events, err)
		}
		if kinds := outboxKinds(t, s, email); len(kinds) != 4 {
			t.Errorf("mails = %v", kinds)
		}
	})

	t.Run("AcceptPublic", func(t *testing.T) {
		id, _, err := s.SubmitProgrammeRequest(ctx, req, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []programme.Change{{To: programme.StatusStudy}, {To: programme.StatusProposed, Title: "Accessibilité pour la Culture",
			Proposal: "P", Message: "M", Modules: modules[:1]}, {To: programme.StatusAccepted, Public: true}} {
			if _, err := s.ChangeProgrammeRequest(ctx, id, c, system); err != nil {
				t.Fatal(err)
			}
		}
		r := testdb.Must(s.ProgrammeRequest(ctx, id))(t)
		if r.Track == nil || r.Track.Slug != "accessibilite-pour-la-culture-2" || r.TrackRestricted {
			t.Fatalf("public programme = %+v", r.Track)
		}
		track, err := s.TrackBySlug(ctx, r.Track.Slug)
		if err != nil || track.Administration != "Ministère de la Culture" || track.ModuleCount != 1 || len(track.Audiences) != 1 {
			t.Errorf("public track = %+v, %v", track, err)
		}
	})
}
