package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/mail"
	"campus/internal/postgres"
	"campus/internal/testdb"
	"campus/internal/trainer"
)

func application(email, kind string, community bool, domains ...string) trainer.Application {
	a := trainer.Application{Email: email, GivenName: "Dominique", UsualName: "Formatrice", Kind: kind, Organisation: "DINUM",
		Modules: "Atelier RGAA", Availability: "Deux jours par trimestre", Community: community}
	for _, d := range domains {
		a.Domains = append(a.Domains, trainer.Ref{Slug: d})
	}
	return a
}

func TestStore_TrainerApplication(t *testing.T) {
	t.Parallel()
	s := testdb.NewSeeded(t, "formateurs", 4)
	ctx := context.Background()
	email := uniqueEmail("candidate")
	id, created, err := s.SubmitTrainerApplication(ctx, application(email, trainer.KindExternal, true, "design-et-accessibilite", "data"))
	if err != nil || !created {
		t.Fatalf("SubmitTrainerApplication = %d, %v, %v", id, created, err)
	}
	t.Run("OneUnderReviewPerAddress", func(t *testing.T) {
		_, created, err := s.SubmitTrainerApplication(ctx, application(email, trainer.KindInternal, false))
		if err != nil || created {
			t.Fatalf("second application = %v, %v", created, err)
		}
		if got := fmt.Sprint(outboxKinds(t, s, email)); got != "[trainer_application_received trainer_application_duplicate]" {
			t.Errorf("mails = %s", got)
		}
	})
	a, err := s.TrainerApplication(ctx, id)
	if err != nil || a.Status != trainer.StatusReceived || len(a.Domains) != 2 || a.Domains[0].Slug != "data" {
		t.Fatalf("TrainerApplication = %+v, %v", a, err)
	}

	t.Run("AskForMoreThenReply", func(t *testing.T) {
		a, err := s.DecideTrainerApplication(ctx, id, postgres.TrainerDecision{Decision: trainer.DecisionAsk,
			Message: "Quels modules avez-vous déjà animés ?"})
		if err != nil || a.Status != trainer.StatusMoreInfo {
			t.Fatalf("ask = %+v, %v", a, err)
		}
		hash := mailedHash(t, s, email, "/devenir-formateur/precisions/")
		if _, err := s.TrainerReplyApplication(ctx, hash); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TrainerReply(ctx, hash, "Des ateliers RGAA depuis 2021.", "Atelier RGAA, audit", "Un jour par mois"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TrainerReply(ctx, hash, "encore", "x", "y"); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("a used link: %v", err)
		}
		got := testdb.Must(s.TrainerApplication(ctx, id))(t)
		if got.Status != trainer.StatusReceived || got.Availability != "Un jour par mois" || len(got.Events) != 2 ||
			got.Events[1].Message != "Des ateliers RGAA depuis 2021." {
			t.Errorf("after the reply: %+v", got)
		}
	})

	// The form is anonymous: someone else may have created an account with the applicant's address without
	// proving it (to collect the role). Accepting gives the role to no unproven account; it waits for the
	// first account that proves the address.
	t.Run("AcceptWaitsForAProvenAccount", func(t *testing.T) {
		squatID, squatTok := signUp(t, s, email)
		a, err := s.DecideTrainerApplication(ctx, id, postgres.TrainerDecision{Decision: trainer.DecisionAccept, Message: "Bienvenue"})
		if err != nil || a.Status != trainer.StatusAccepted || a.UserID != 0 {
			t.Fatalf("accept = %+v, %v", a, err)
		}
		if u := testdb.Must(s.UserByID(ctx, squatID))(t); u.Role != account.RoleAgent {
			t.Fatalf("an account that never proved the address got the role: %+v", u)
		}
		ms := testdb.Must(s.RecentMails(ctx, email, 1))(t)
		if ms[0].Kind != mail.KindTrainerAccepted || !strings.Contains(ms[0].Body, "/reinitialisation/") { // awaiting an account: the link to choose a password
			t.Errorf("last mail = %+v", ms[0])
		}
		if u, err := s.ResetTokenUser(ctx, mailedHash(t, s, email, "/reinitialisation/")); err != nil || u.ID != squatID {
			t.Errorf("the welcome link = %+v, %v, want the account of the address", u, err)
		}
		// Proving the address (here, the confirmation link with the password) gives the role.
		u, err := s.VerifyEmail(ctx, account.HashToken(squatTok))
		if err != nil || u.Role != account.RoleTrainer {
			t.Fatalf("after the address is proven: %+v, %v", u, err)
		}
		if got := testdb.Must(s.TrainerApplication(ctx, id))(t); got.UserID != squatID {
			t.Errorf("application's account = %d, want %d", got.UserID, squatID)
		}
		p, err := s.TrainerProfile(ctx, u.ID)
		if err != nil || p.Kind != trainer.KindExternal || !p.Community || len(p.Domains) != 2 {
			t.Errorf("profile = %+v, %v", p, err)
		}
		if _, err := s.DecideTrainerApplication(ctx, id, postgres.TrainerDecision{Decision: trainer.DecisionDecline}); !errors.Is(err, trainer.ErrTransition) {
			t.Errorf("deciding a decided application: %v", err)
		}
	})

	t.Run("ProConnectClaimsTheRole", func(t *testing.T) {
		email := uniqueEmail("candidate-pc")
		id, _, err := s.SubmitTrainerApplication(ctx, application(email, trainer.KindInternal, false, "data"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DecideTrainerApplication(ctx, id, postgres.TrainerDecision{Decision: trainer.DecisionAccept}); err != nil {
			t.Fatal(err)
		}
		u, _, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: "sub-" + email, Email: email})
		if err != nil || u.Role != account.RoleTrainer {
			t.Fatalf("ProConnect account = %+v, %v", u, err)
		}
	})

	t.Run("AcceptUpgradesAnAgent", func(t *testing.T) {
		existing := agent(t, s, "Ministère de l’Intérieur")
		id, _, err := s.SubmitTrainerApplication(ctx, application(existing.Email, trainer.KindInternal, false, "cybersecurite"))
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.DecideTrainerApplication(ctx, id, postgres.TrainerDecision{Decision: trainer.DecisionAccept})
		if err != nil || a.UserID != existing.ID {
			t.Fatalf("accept = %+v, %v", a, err)
		}
		u := testdb.Must(s.UserByID(ctx, existing.ID))(t)
		if u.Role != account.RoleTrainer || u.Administration != "Ministère de l’Intérieur" {
			t.Errorf("upgraded account = %+v", u)
		}
	})

	t.Run("Community", func(t *testing.T) {
		c, err := s.TrainerCommunity(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var want trainer.Community
		testdb.Row(t, s, `SELECT count(*) FROM trainer_profiles tp JOIN users u ON u.id = tp.user_id
			WHERE tp.community AND u.role IN ('trainer', 'admin')`).Scan(&want.Total)
		if c.Total != want.Total || c.Total < 1 {
			t.Errorf("community total %d, want %d", c.Total, want.Total)
		}
		// The agent who did not opt in is not counted under cybersécurité.
		for _, d := range c.ByDomain {
			n := testdb.Int(t, s, `SELECT count(*) FROM trainer_profile_domains pd JOIN trainer_profiles tp USING (user_id)
				JOIN domains d ON d.id = pd.domain_id WHERE tp.community AND d.slug = $1`, d.Key)
			if d.N != n {
				t.Errorf("domain %s: %d, want %d", d.Key, d.N, n)
			}
		}
	})

	t.Run("Sessions", func(t *testing.T) {
		a := testdb.Must(s.TrainerApplication(ctx, id))(t)
		sessionID := testdb.Int64(t, s, `SELECT id FROM module_sessions WHERE starts_at > now() ORDER BY starts_at LIMIT 1`)
		// The back-office's session form sets the trainer (migration 00006).
		testdb.Exec(t, s, `UPDATE module_sessions SET trainer_id = $2 WHERE id = $1`, sessionID, a.UserID)
		ss, err := s.TrainerSessions(ctx, a.UserID)
		if err != nil || len(ss) != 1 || ss[0].ID != sessionID || ss[0].Module.Title == "" {
			t.Fatalf("TrainerSessions = %+v, %v", ss, err)
		}
		if ok := testdb.Must(s.GivesSession(ctx, a.UserID, sessionID))(t); !ok {
			t.Error("GivesSession = false")
		}
		if ok := testdb.Must(s.GivesSession(ctx, a.UserID+1, sessionID))(t); ok {
			t.Error("GivesSession for another user = true")
		}
		testdb.Exec(t, s, `UPDATE module_sessions SET trainer_id = NULL WHERE id = $1`, sessionID)
		if ok := testdb.Must(s.GivesSession(ctx, a.UserID, sessionID))(t); ok {
			t.Error("GivesSession after unassigning = true")
		}
	})
}
