package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/mail"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

var userSeq atomic.Int64

func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s.%d.%d@exemple.gouv.fr", prefix, time.Now().UnixNano(), userSeq.Add(1))
}

func signUp(t *testing.T, s *postgres.Store, email string) (int64, string) {
	t.Helper()
	tok, hash := account.NewToken()
	id, created, err := s.SignUp(context.Background(), postgres.NewAccount{Email: email, PasswordHash: "$argon2id$x", GivenName: "Camille"},
		hash, mail.VerifyEmail(email, "Camille", "https://campus.test/verification/"+tok), mail.AlreadyRegistered(email, "", "l", "r"))
	if err != nil || !created {
		t.Fatalf("SignUp(%s) = %v, %v", email, created, err)
	}
	return id, tok
}

func outboxKinds(t *testing.T, s *postgres.Store, to string) []string {
	t.Helper()
	ms, err := s.RecentMails(context.Background(), to, 50)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for i := len(ms) - 1; i >= 0; i-- {
		kinds = append(kinds, ms[i].Kind)
	}
	return kinds
}

func TestStore_SignUp(t *testing.T) {
	s := testdb.Open(t)
	ctx := context.Background()
	email := uniqueEmail("inscription")
	id, tok := signUp(t, s, email)
	if got := fmt.Sprint(outboxKinds(t, s, email)); got != "[verify_email]" {
		t.Errorf("outbox after sign-up = %s", got)
	}
	u, hash, err := s.UserByEmail(ctx, email)
	if err != nil || u.ID != id || u.Verified() || hash != "$argon2id$x" || u.Role != account.RoleAgent {
		t.Fatalf("UserByEmail = %+v %q %v", u, hash, err)
	}

	t.Run("Duplicate", func(t *testing.T) {
		_, created, err := s.SignUp(ctx, postgres.NewAccount{Email: email, PasswordHash: "y"}, make([]byte, 32),
			mail.VerifyEmail(email, "", "x"), mail.AlreadyRegistered(email, "", "l", "r"))
		if err != nil || created {
			t.Fatalf("duplicate sign-up: created=%v err=%v", created, err)
		}
		if got := fmt.Sprint(outboxKinds(t, s, email)); got != "[verify_email already_registered]" {
			t.Errorf("outbox = %s", got)
		}
		_, hash, _ := s.UserByEmail(ctx, email)
		if hash != "$argon2id$x" {
			t.Error("a duplicate sign-up changed the password")
		}
	})

	t.Run("Verify", func(t *testing.T) {
		if _, err := s.VerifyEmail(ctx, account.HashToken("inconnu")); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
		u, err := s.VerifyEmail(ctx, account.HashToken(tok))
		if err != nil || !u.Verified() {
			t.Fatalf("VerifyEmail = %+v, %v", u, err)
		}
		if _, err := s.VerifyEmail(ctx, account.HashToken(tok)); !errors.Is(err, apperr.ErrGone) {
			t.Errorf("second use of the link: %v, want ErrGone", err)
		}
	})

	t.Run("ExpiredLink", func(t *testing.T) {
		tok, hash := account.NewToken()
		if err := s.IssueToken(ctx, id, account.PurposeResetPassword, hash, mail.ResetPassword("", "", tok)); err != nil {
			t.Fatal(err)
		}
		s.Pool().Exec(ctx, `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE hash = $1`, hash)
		if _, err := s.ResetTokenUser(ctx, hash); !errors.Is(err, apperr.ErrGone) {
			t.Errorf("expired link: %v, want ErrGone", err)
		}
	})

	t.Run("NewLinkVoidsOlder", func(t *testing.T) {
		_, h1 := account.NewToken()
		_, h2 := account.NewToken()
		s.IssueToken(ctx, id, account.PurposeResetPassword, h1, mail.ResetPassword("", "", "1"))
		s.IssueToken(ctx, id, account.PurposeResetPassword, h2, mail.ResetPassword("", "", "2"))
		if _, err := s.ResetTokenUser(ctx, h1); !errors.Is(err, apperr.ErrGone) {
			t.Errorf("older link still usable: %v", err)
		}
		if _, err := s.ResetTokenUser(ctx, h2); err != nil {
			t.Errorf("newest link: %v", err)
		}
	})
}

func TestStore_ResetPassword(t *testing.T) {
	s := testdb.Open(t)
	ctx := context.Background()
	email := uniqueEmail("reinit")
	id, _ := signUp(t, s, email)
	store := s.SessionStore(scs.GobCodec{})
	data, _ := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{postgres.SessionUserKey: id})
	for _, tok := range []string{"session-a-" + email, "session-b-" + email} {
		if err := store.Commit(tok, data, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.CountSessions(ctx, id); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
	tok, hash := account.NewToken()
	if err := s.IssueToken(ctx, id, account.PurposeResetPassword, hash, mail.ResetPassword("", "", tok)); err != nil {
		t.Fatal(err)
	}
	before, _ := s.UserByID(ctx, id)
	u, err := s.ResetPassword(ctx, hash, "$argon2id$new", mail.PasswordChanged("", "", "r"))
	if err != nil {
		t.Fatal(err)
	}
	if !u.Verified() || u.SessionEpoch != before.SessionEpoch+1 {
		t.Errorf("after reset: verified=%v epoch %d → %d", u.Verified(), before.SessionEpoch, u.SessionEpoch)
	}
	if n, _ := s.CountSessions(ctx, id); n != 0 {
		t.Errorf("%d sessions left after a password reset", n)
	}
	if _, h, _ := s.UserByEmail(ctx, email); h != "$argon2id$new" {
		t.Errorf("hash = %q", h)
	}
	if _, err := s.ResetPassword(ctx, hash, "$argon2id$again", mail.PasswordChanged("", "", "r")); !errors.Is(err, apperr.ErrGone) {
		t.Errorf("reset link used twice: %v", err)
	}
	if got := fmt.Sprint(outboxKinds(t, s, email)); got != "[verify_email reset_password password_changed]" {
		t.Errorf("outbox = %s", got)
	}
	var stored int
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM account_tokens WHERE hash = $1`, []byte(tok)).Scan(&stored)
	if stored != 0 {
		t.Error("a token is stored in clear")
	}
}

func TestStore_UpdateProfile(t *testing.T) {
	s := testdb.Open(t)
	ctx := context.Background()
	a, b := uniqueEmail("profil-a"), uniqueEmail("profil-b")
	idA, tokA := signUp(t, s, a)
	signUp(t, s, b)
	s.VerifyEmail(ctx, account.HashToken(tokA))

	changed, err := s.UpdateProfile(ctx, idA, account.Profile{GivenName: "Camille", UsualName: "Martin", Administration: "DINUM", Email: a}, nil, mail.Message{})
	if err != nil || changed {
		t.Fatalf("same address: changed=%v err=%v", changed, err)
	}
	if u, _ := s.UserByID(ctx, idA); !u.Verified() || u.Administration != "DINUM" {
		t.Errorf("profile not saved or verification lost: %+v", u)
	}
	if _, err := s.UpdateProfile(ctx, idA, account.Profile{Email: b}, make([]byte, 32), mail.VerifyEmail("", "", "x")); !errors.Is(err, apperr.ErrConflict) {
		t.Errorf("taken address: %v, want ErrConflict", err)
	}
	c := uniqueEmail("profil-c")
	_, hash := account.NewToken()
	changed, err = s.UpdateProfile(ctx, idA, account.Profile{Email: c}, hash, mail.VerifyEmail("", "", "x"))
	if err != nil || !changed {
		t.Fatalf("new address: %v %v", changed, err)
	}
	if u, _ := s.UserByID(ctx, idA); u.Verified() || u.Email != c {
		t.Errorf("after the change: %+v", u)
	}
	if fmt.Sprint(outboxKinds(t, s, c)) != "[verify_email]" {
		t.Errorf("no verification mail to the new address")
	}
	// The verification link sent to the old address no longer confirms anything.
	if _, err := s.VerifyEmail(ctx, hash); err != nil {
		t.Errorf("the new link: %v", err)
	}
}

func TestStore_DeleteAndExport(t *testing.T) {
	s := testdb.Open(t)
	ctx := context.Background()
	email := uniqueEmail("rgpd")
	id, _ := signUp(t, s, email)
	x, err := s.ExportUser(ctx, id)
	if err != nil || x.Account.Email != email || len(x.Mails) != 1 || !x.Account.PasswordSet {
		t.Fatalf("ExportUser = %+v, %v", x, err)
	}
	store := s.SessionStore(scs.GobCodec{})
	data, _ := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{postgres.SessionUserKey: id})
	store.Commit("session-rgpd-"+email, data, time.Now().Add(time.Hour))
	if err := s.DeleteUser(ctx, id, mail.AccountDeleted("", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByID(ctx, id); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("user still there: %v", err)
	}
	if _, found, _ := store.Find("session-rgpd-" + email); found {
		t.Error("the session of a deleted user survives")
	}
	if got := fmt.Sprint(outboxKinds(t, s, email)); got != "[verify_email account_deleted]" {
		t.Errorf("outbox = %s", got)
	}
	if err := s.DeleteUser(ctx, id, mail.AccountDeleted("", "")); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestStore_GrantRole(t *testing.T) {
	s := testdb.Open(t)
	email := uniqueEmail("role")
	signUp(t, s, email)
	u, err := s.GrantRole(context.Background(), " "+email+" ", account.RoleAdmin)
	if err != nil || u.Role != account.RoleAdmin {
		t.Fatalf("GrantRole = %+v %v", u, err)
	}
	if _, err := s.GrantRole(context.Background(), "personne@exemple.fr", account.RoleAdmin); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("unknown address: %v", err)
	}
	if _, err := s.GrantRole(context.Background(), email, "dieu"); err == nil {
		t.Error("unknown role accepted")
	}
}

func TestStore_ProConnectLogin(t *testing.T) {
	s := testdb.Open(t)
	ctx := context.Background()
	sub := "sub-" + uniqueEmail("x")

	t.Run("Creates", func(t *testing.T) {
		email := uniqueEmail("pc-new")
		u, created, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: sub, Email: email, GivenName: "Jean", UsualName: "Dupont", SIRET: "13002526500013"})
		if err != nil || !created || !u.Verified() || u.HasPassword || u.ProConnectSub != sub {
			t.Fatalf("= %+v %v %v", u, created, err)
		}
		again, created, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: sub, Email: "autre@exemple.fr", GivenName: "Jeanne"})
		if err != nil || created || again.ID != u.ID || again.GivenName != "Jeanne" || again.Email != email {
			t.Fatalf("second login = %+v %v %v", again, created, err)
		}
	})
	t.Run("LinksVerifiedAccount", func(t *testing.T) {
		email := uniqueEmail("pc-link")
		id, tok := signUp(t, s, email)
		s.VerifyEmail(ctx, account.HashToken(tok))
		u, created, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: sub + "-2", Email: email})
		if err != nil || created || u.ID != id || !u.HasPassword {
			t.Fatalf("= %+v %v %v", u, created, err)
		}
	})
	t.Run("UnverifiedAccountLosesPassword", func(t *testing.T) {
		email := uniqueEmail("pc-squat")
		id, _ := signUp(t, s, email)
		u, _, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: sub + "-3", Email: email})
		if err != nil || u.ID != id || u.HasPassword || !u.Verified() {
			t.Fatalf("= %+v %v: a password set by someone who never proved the address survives", u, err)
		}
	})
	t.Run("AddressLinkedToAnotherIdentity", func(t *testing.T) {
		email := uniqueEmail("pc-conflict")
		s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: sub + "-4", Email: email})
		if _, _, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: sub + "-5", Email: email}); !errors.Is(err, apperr.ErrConflict) {
			t.Errorf("= %v, want ErrConflict", err)
		}
	})
}

func TestStore_Outbox(t *testing.T) {
	s := testdb.Open(t)
	ctx := context.Background()
	s.Pool().Exec(ctx, `UPDATE mail_outbox SET sent_at = now() WHERE sent_at IS NULL`)
	email := uniqueEmail("outbox")
	for i := 0; i < 5; i++ {
		signUp(t, s, fmt.Sprintf("%d.%s", i, email))
	}
	// Two senders at once never take the same mail.
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ms, err := s.ClaimMails(ctx, 2)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			for _, m := range ms {
				seen[m.ID]++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	for id, n := range seen {
		if n > 1 {
			t.Errorf("mail %d claimed %d times", id, n)
		}
	}
	if len(seen) != 5 {
		t.Errorf("%d mails claimed, want 5", len(seen))
	}
	// Claimed mails are leased: not claimable again right away.
	if ms, _ := s.ClaimMails(ctx, 10); len(ms) != 0 {
		t.Errorf("%d leased mails claimed again", len(ms))
	}
	for id := range seen {
		if err := s.MarkSent(ctx, id, false); err != nil {
			t.Fatal(err)
		}
	}
	ms, _ := s.RecentMails(ctx, "0."+email, 10)
	if len(ms) != 1 || ms[0].SentAt == nil || ms[0].Body != "" {
		t.Errorf("sent mail = %+v, want sent with its body erased", ms)
	}
}

func TestStore_RateHit(t *testing.T) {
	s := testdb.Open(t)
	ctx := context.Background()
	key := "test:" + uniqueEmail("rate")
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]bool{}
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, reset, err := s.RateHit(ctx, key, time.Hour)
			if err != nil || !reset.After(time.Now()) {
				t.Error(n, reset, err)
			}
			mu.Lock()
			counts[n] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	for i := 1; i <= 20; i++ {
		if !counts[i] {
			t.Fatalf("concurrent hits lost: counts %v", counts)
		}
	}
	if err := s.RateReset(ctx, key); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := s.RateHit(ctx, key, time.Hour); n != 1 {
		t.Errorf("after reset: %d", n)
	}
	if err := s.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
}
