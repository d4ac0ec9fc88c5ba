package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

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
		_, created, err := s.SignUp(ctx, postgres.NewAccount{Email: email, PasswordHash: "y"})
		if err != nil || created {
			t.Fatalf("duplicate sign-up: created=%v err=%v", created, err)
		}
		if got := fmt.Sprint(outboxKinds(t, s, email)); got != "[verify_email already_registered]" {
			t.Errorf("outbox = %s", got)
		}
		if _, hash, err := s.UserByEmail(ctx, email); err != nil || hash != "$argon2id$x" {
			t.Errorf("a duplicate sign-up changed the password: %q, %v", hash, err)
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
		hash := resetLink(t, s, id, email)
		testdb.Exec(t, s, `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE hash = $1`, hash)
		if _, err := s.ResetTokenUser(ctx, hash); !errors.Is(err, apperr.ErrGone) {
			t.Errorf("expired link: %v, want ErrGone", err)
		}
	})

	t.Run("NewLinkVoidsOlder", func(t *testing.T) {
		h1 := resetLink(t, s, id, email)
		h2 := resetLink(t, s, id, email)
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
	id, email := newUser(t, s, "reinit")
	for _, tok := range []string{"session-a-" + email, "session-b-" + email} {
		openSession(t, s, id, tok)
	}
	if n := testdb.Must(s.CountSessions(ctx, id))(t); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
	if err := s.IssueToken(ctx, id, account.PurposeResetPassword); err != nil {
		t.Fatal(err)
	}
	tok := testdb.LastLink(t, s, email, "/reinitialisation/")
	hash := account.HashToken(tok)
	before := testdb.Must(s.UserByID(ctx, id))(t)
	u, err := s.ResetPassword(ctx, hash, "$argon2id$new")
	if err != nil {
		t.Fatal(err)
	}
	if !u.Verified() || u.SessionEpoch != before.SessionEpoch+1 {
		t.Errorf("after reset: verified=%v epoch %d → %d", u.Verified(), before.SessionEpoch, u.SessionEpoch)
	}
	if n := testdb.Must(s.CountSessions(ctx, id))(t); n != 0 {
		t.Errorf("%d sessions left after a password reset", n)
	}
	if _, h, err := s.UserByEmail(ctx, email); err != nil || h != "$argon2id$new" {
		t.Errorf("hash = %q, %v", h, err)
	}
	if _, err := s.ResetPassword(ctx, hash, "$argon2id$again"); !errors.Is(err, apperr.ErrGone) {
		t.Errorf("reset link used twice: %v", err)
	}
	if got := fmt.Sprint(outboxKinds(t, s, email)); got != "[verify_email reset_password password_changed]" {
		t.Errorf("outbox = %s", got)
	}
	stored := testdb.Int(t, s, `SELECT count(*) FROM account_tokens WHERE hash = $1`, []byte(tok))
	if stored != 0 {
		t.Error("a token is stored in clear")
	}
}

func TestStore_UpdateProfile(t *testing.T) {
	s := testdb.Open(t)
	ctx := context.Background()
	a := uniqueEmail("profil-a")
	idA, tokA := signUp(t, s, a)
	if _, err := s.VerifyEmail(ctx, account.HashToken(tokA)); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateProfile(ctx, idA, account.Profile{GivenName: "Camille", UsualName: "Martin", Administration: "DINUM"}); err != nil {
		t.Fatal(err)
	}
	if u := testdb.Must(s.UserByID(ctx, idA))(t); !u.Verified() || u.Administration != "DINUM" || u.Email != a {
		t.Errorf("profile not saved or verification lost: %+v", u)
	}
	if err := s.UpdateProfile(ctx, 0, account.Profile{}); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
}

// TestStore_EmailChange: a new address is the account's only once proven; until then the old one stays, is
// told, and may cancel; a confirmed change can be undone by the old address for a week, which secures the
// account.
func TestStore_EmailChange(t *testing.T) {
	s := testdb.Open(t)
	ctx := context.Background()
	verified := func(prefix string) (int64, string) {
		email := uniqueEmail(prefix)
		id, tok := signUp(t, s, email)
		if _, err := s.VerifyEmail(ctx, account.HashToken(tok)); err != nil {
			t.Fatal(err)
		}
		return id, email
	}
	// request asks for the change of the account id to newEmail and returns the hashes of its confirmation and
	// cancel links, read from the mails to the new and the current address.
	request := func(t *testing.T, id int64, newEmail string) (confirmHash, cancelHash []byte) {
		t.Helper()
		old := testdb.Must(s.UserByID(ctx, id))(t).Email
		if err := s.RequestEmailChange(ctx, id, newEmail); err != nil {
			t.Fatal(err)
		}
		return mailedHash(t, s, newEmail, "/adresse/confirmation/"), mailedHash(t, s, old, "/adresse/annulation/")
	}
	// confirm confirms it and returns the hash of the old address's undo link, read from its mail.
	confirm := func(t *testing.T, confirmHash []byte, id int64) (revertHash []byte) {
		t.Helper()
		old := testdb.Must(s.UserByID(ctx, id))(t).Email
		if _, err := s.ConfirmEmailChange(ctx, confirmHash, id); err != nil {
			t.Fatal(err)
		}
		return mailedHash(t, s, old, "/adresse/annulation/")
	}

	t.Run("PendingUntilConfirmed", func(t *testing.T) {
		id, old := verified("change-a")
		newEmail := uniqueEmail("change-a-new")
		confirmHash, _ := request(t, id, newEmail)
		if u := testdb.Must(s.UserByID(ctx, id))(t); u.Email != old || !u.Verified() {
			t.Fatalf("the address changed before it was proven: %+v", u)
		}
		if _, _, err := s.UserByEmail(ctx, newEmail); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("the new address already finds an account: %v", err)
		}
		if got := fmt.Sprint(outboxKinds(t, s, newEmail)); got != "[email_change_confirm]" {
			t.Errorf("new address's mails = %s", got)
		}
		if got := fmt.Sprint(outboxKinds(t, s, old)); got != "[verify_email email_change_notice]" {
			t.Errorf("old address's mails = %s", got)
		}
		if c, err := s.PendingEmailChange(ctx, id); err != nil || c.NewEmail != newEmail || c.OldEmail != old || !c.Pending() {
			t.Errorf("PendingEmailChange = %+v, %v", c, err)
		}
		u, err := s.ConfirmEmailChange(ctx, confirmHash, id)
		if err != nil || u.Email != newEmail || !u.Verified() {
			t.Fatalf("ConfirmEmailChange = %+v, %v", u, err)
		}
		if got := fmt.Sprint(outboxKinds(t, s, old)); got != "[verify_email email_change_notice email_changed]" {
			t.Errorf("old address's mails after the change = %s", got)
		}
		if _, err := s.ConfirmEmailChange(ctx, confirmHash, id); !errors.Is(err, apperr.ErrGone) {
			t.Errorf("link used twice: %v", err)
		}
		if _, err := s.PendingEmailChange(ctx, id); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("still pending after confirmation: %v", err)
		}
	})

	t.Run("TakenAddressAnswersTheSame", func(t *testing.T) {
		id, old := verified("change-b")
		_, taken := verified("change-b-taken")
		if err := s.RequestEmailChange(ctx, id, taken); err != nil {
			t.Fatalf("a taken address is refused (that tells who has an account): %v", err)
		}
		if got := fmt.Sprint(outboxKinds(t, s, taken)); got != "[verify_email email_change_taken]" {
			t.Errorf("taken address's mails = %s", got)
		}
		if got := fmt.Sprint(outboxKinds(t, s, old)); got != "[verify_email email_change_notice]" {
			t.Errorf("old address's mails = %s", got)
		}
		// Even with the link (it went nowhere: its hash is read from the database), the change cannot take another
		// account's address.
		var confirmHash []byte
		testdb.Row(t, s, `SELECT confirm_hash FROM email_changes WHERE user_id = $1 AND confirmed_at IS NULL AND cancelled_at IS NULL`,
			id).Scan(&confirmHash)
		if _, err := s.ConfirmEmailChange(ctx, confirmHash, id); !errors.Is(err, apperr.ErrConflict) {
			t.Errorf("confirming a taken address: %v, want ErrConflict", err)
		}
	})

	t.Run("NewRequestReplacesPending", func(t *testing.T) {
		id, _ := verified("change-c")
		h1, _ := request(t, id, uniqueEmail("c1"))
		h2, _ := request(t, id, uniqueEmail("c2"))
		if _, err := s.ConfirmEmailChange(ctx, h1, id); !errors.Is(err, apperr.ErrGone) {
			t.Errorf("a replaced request's link still works: %v", err)
		}
		if err := s.WithdrawEmailChange(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ConfirmEmailChange(ctx, h2, id); !errors.Is(err, apperr.ErrGone) {
			t.Errorf("a withdrawn request's link still works: %v", err)
		}
	})

	t.Run("CancelSecuresTheAccount", func(t *testing.T) {
		id, old := verified("change-d")
		openSession(t, s, id, "session-change-d-"+old)
		staleReset := resetLink(t, s, id, old)
		newEmail := uniqueEmail("change-d-new")
		confirmHash, cancelHash := request(t, id, newEmail)
		if c, err := s.EmailChangeToCancel(ctx, cancelHash); err != nil || c.NewEmail != newEmail {
			t.Fatalf("EmailChangeToCancel = %+v, %v", c, err)
		}
		before := testdb.Must(s.UserByID(ctx, id))(t)
		u, reset, err := s.CancelEmailChange(ctx, cancelHash)
		if err != nil || u.Email != old || u.HasPassword || u.SessionEpoch != before.SessionEpoch+1 {
			t.Fatalf("CancelEmailChange = %+v, %v", u, err)
		}
		resetHash := account.HashToken(reset)
		mailedOnlyTo(t, s, reset, "") // only the page of the cancellation leads to it
		if n := testdb.Must(s.CountSessions(ctx, id))(t); n != 0 {
			t.Errorf("%d sessions left", n)
		}
		if _, err := s.ResetTokenUser(ctx, staleReset); !errors.Is(err, apperr.ErrGone) {
			t.Errorf("an older reset link survives: %v", err)
		}
		if got, err := s.ResetTokenUser(ctx, resetHash); err != nil || got.ID != id {
			t.Errorf("the new reset link: %+v %v", got, err)
		}
		if _, err := s.ConfirmEmailChange(ctx, confirmHash, id); !errors.Is(err, apperr.ErrGone) {
			t.Errorf("a cancelled change can still be confirmed: %v", err)
		}
		if _, _, err := s.CancelEmailChange(ctx, cancelHash); !errors.Is(err, apperr.ErrGone) {
			t.Errorf("cancelled twice: %v", err)
		}
	})

	// The link proves the new mailbox, not who asked: Mallory asks for the victim's address on her own account,
	// the victim opens the link; it must not apply for anyone but the account itself.
	t.Run("ConfirmOnlyForTheAccount", func(t *testing.T) {
		id, old := verified("change-g")
		otherID, _ := verified("change-g-other")
		newEmail := uniqueEmail("change-g-new")
		confirmHash, _ := request(t, id, newEmail)
		c, password, err := s.EmailChangeToConfirm(ctx, confirmHash)
		if err != nil || c.UserID != id || c.NewEmail != newEmail || password != "$argon2id$x" {
			t.Fatalf("EmailChangeToConfirm = %+v, %q, %v", c, password, err)
		}
		if _, err := s.ConfirmEmailChange(ctx, confirmHash, otherID); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("confirmed for another account: %v, want ErrNotFound", err)
		}
		if u := testdb.Must(s.UserByID(ctx, id))(t); u.Email != old {
			t.Errorf("the address changed: %+v", u)
		}
		if _, err := s.ConfirmEmailChange(ctx, confirmHash, id); err != nil {
			t.Errorf("the account itself cannot confirm: %v", err)
		}
		if _, _, err := s.EmailChangeToConfirm(ctx, confirmHash); !errors.Is(err, apperr.ErrGone) {
			t.Errorf("used link: %v, want ErrGone", err)
		}
	})

	// Whoever secures an account (new password, reset, sign-out everywhere, ProConnect taking it over) also
	// withdraws a change of address that a session they are closing may have asked for.
	t.Run("SecuringWithdrawsPending", func(t *testing.T) {
		for name, secure := range map[string]func(t *testing.T, id int64, email string) error{
			"ChangePassword": func(_ *testing.T, id int64, _ string) error {
				_, err := s.ChangePassword(ctx, id, "$argon2id$new", "aucune-session")
				return err
			},
			"EndSessions": func(_ *testing.T, id int64, _ string) error { return s.EndSessions(ctx, id) },
			"ResetPassword": func(t *testing.T, id int64, email string) error {
				_, err := s.ResetPassword(ctx, resetLink(t, s, id, email), "$argon2id$new")
				return err
			},
			"ProConnectLink": func(_ *testing.T, _ int64, email string) error {
				_, outcome, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: "sub-" + email, Email: email})
				if err == nil && outcome != postgres.ProConnectLinked {
					err = fmt.Errorf("outcome %v", outcome)
				}
				return err
			},
		} {
			t.Run(name, func(t *testing.T) {
				id, email := verified("change-h")
				confirmHash, _ := request(t, id, uniqueEmail("change-h-mallory"))
				if err := secure(t, id, email); err != nil {
					t.Fatal(err)
				}
				if _, err := s.PendingEmailChange(ctx, id); !errors.Is(err, apperr.ErrNotFound) {
					t.Errorf("still pending: %v", err)
				}
				if _, err := s.ConfirmEmailChange(ctx, confirmHash, id); !errors.Is(err, apperr.ErrGone) {
					t.Errorf("the change can still be confirmed: %v, want ErrGone", err)
				}
				if u := testdb.Must(s.UserByID(ctx, id))(t); u.Email != email {
					t.Errorf("address = %s", u.Email)
				}
			})
		}
	})

	// Undoing a change gives the account back to the old address: a ProConnect identity linked meanwhile by the
	// new address's owner must not keep opening it.
	t.Run("RevertUnlinksProConnect", func(t *testing.T) {
		id, old := verified("change-i")
		newEmail := uniqueEmail("change-i-new")
		confirmHash, _ := request(t, id, newEmail)
		revertHash := confirm(t, confirmHash, id)
		identity := account.ExternalIdentity{Subject: "sub-" + newEmail, Email: newEmail}
		if u, outcome, err := s.ProConnectLogin(ctx, identity); err != nil || outcome != postgres.ProConnectLinked || u.ID != id {
			t.Fatalf("ProConnect = %+v %v %v", u, outcome, err)
		}
		u, _, err := s.CancelEmailChange(ctx, revertHash)
		if err != nil || u.Email != old || u.ProConnectSub != "" {
			t.Fatalf("revert = %+v, %v", u, err)
		}
		again, outcome, err := s.ProConnectLogin(ctx, identity)
		if err != nil || again.ID == id || outcome != postgres.ProConnectCreated {
			t.Errorf("the identity still opens the reverted account: %+v %v %v", again, outcome, err)
		}
	})

	// Second review: a hijacker holding the session and the password confirms a change to their address, then
	// asks for another: the undo link of the first (in the owner's old mailbox) would no longer match, and the
	// notice of the second would go to the hijacker. No other change while one can be undone.
	t.Run("NoSecondChangeWhileUndoable", func(t *testing.T) {
		id, old := verified("change-k")
		confirmHash, _ := request(t, id, uniqueEmail("change-k-atk1"))
		u, err := s.ConfirmEmailChange(ctx, confirmHash, id)
		if err != nil {
			t.Fatal(err)
		}
		revertHash := mailedHash(t, s, old, "/adresse/annulation/")
		err = s.RequestEmailChange(ctx, id, uniqueEmail("change-k-atk2"))
		var soon *account.ChangeTooSoonError
		if !errors.As(err, &soon) || soon.Until.Sub(time.Now().Add(account.EmailRevertWindow)).Abs() > time.Minute {
			t.Fatalf("a second change while the first can be undone: %v", err)
		}
		if c, err := s.EmailChangeToCancel(ctx, revertHash); err != nil || c.NewEmail != u.Email {
			t.Errorf("the undo link: %+v %v", c, err)
		}
		// After the window, a new change may be asked.
		testdb.Exec(t, s, `UPDATE email_changes SET confirmed_at = now() - interval '8 days' WHERE revert_hash = $1`, revertHash)
		if err := s.RequestEmailChange(ctx, id, uniqueEmail("change-k-later")); err != nil {
			t.Errorf("after the window: %v", err)
		}
	})

	// Second review: once the address moved, the hijacker signs up with the old one (unconfirmed) so that the
	// undo hits the unique address. The old address is the account's to take back: the squatting account goes.
	t.Run("UndoTakesBackASquattedAddress", func(t *testing.T) {
		id, old := verified("change-l")
		confirmHash, _ := request(t, id, uniqueEmail("change-l-atk"))
		revertHash := confirm(t, confirmHash, id)
		squatter, _ := signUp(t, s, old)
		u, _, err := s.CancelEmailChange(ctx, revertHash)
		if err != nil || u.ID != id || u.Email != old {
			t.Fatalf("undo over an unconfirmed squatter: %+v %v", u, err)
		}
		if _, err := s.UserByID(ctx, squatter); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("the squatting account survives: %v", err)
		}
	})

	// An identity linked before the change belongs to the old address's owner: the undo keeps it.
	t.Run("UndoKeepsProConnectLinkedBefore", func(t *testing.T) {
		email := uniqueEmail("change-m")
		u, _, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: "sub-" + email, Email: email, SIRET: "13002526500013"})
		if err != nil {
			t.Fatal(err)
		}
		confirmHash, _ := request(t, u.ID, uniqueEmail("change-m-new"))
		revertHash := confirm(t, confirmHash, u.ID)
		got, _, err := s.CancelEmailChange(ctx, revertHash)
		if err != nil || got.ProConnectSub != "sub-"+email || got.SIRET != "13002526500013" || got.Email != email {
			t.Errorf("undo = %+v, %v", got, err)
		}
	})

	// Cancelling a change still pending keeps the ProConnect identity: it was linked under the old address,
	// whose owner is the one cancelling.
	t.Run("CancelPendingKeepsProConnect", func(t *testing.T) {
		email := uniqueEmail("change-j")
		u, _, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: "sub-" + email, Email: email})
		if err != nil {
			t.Fatal(err)
		}
		_, cancelHash := request(t, u.ID, uniqueEmail("change-j-new"))
		got, _, err := s.CancelEmailChange(ctx, cancelHash)
		if err != nil || got.ProConnectSub != "sub-"+email {
			t.Errorf("cancel = %+v, %v", got, err)
		}
	})

	t.Run("RevertAfterConfirmation", func(t *testing.T) {
		id, old := verified("change-e")
		newEmail := uniqueEmail("change-e-new")
		confirmHash, _ := request(t, id, newEmail)
		revertHash := confirm(t, confirmHash, id)
		u, reset, err := s.CancelEmailChange(ctx, revertHash)
		if err != nil || u.Email != old || !u.Verified() || u.HasPassword {
			t.Fatalf("revert = %+v, %v", u, err)
		}
		mailedOnlyTo(t, s, reset, "") // above all not to the new address, whose owner could open the account
		// After the week, the link no longer undoes anything.
		id2, _ := verified("change-f")
		ch, _ := request(t, id2, uniqueEmail("change-f-new"))
		rh := confirm(t, ch, id2)
		testdb.Exec(t, s, `UPDATE email_changes SET confirmed_at = now() - interval '8 days' WHERE revert_hash = $1`, rh)
		if _, _, err := s.CancelEmailChange(ctx, rh); !errors.Is(err, apperr.ErrGone) {
			t.Errorf("revert after a week: %v", err)
		}
	})
}

func TestStore_DeleteAndExport(t *testing.T) {
	s := testdb.Open(t)
	ctx := context.Background()
	id, email := newUser(t, s, "rgpd")
	x, err := s.ExportUser(ctx, id)
	if err != nil || x.Account.Email != email || len(x.Mails) != 1 || !x.Account.PasswordSet {
		t.Fatalf("ExportUser = %+v, %v", x, err)
	}
	openSession(t, s, id, "session-rgpd-"+email)
	if err := s.DeleteUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByID(ctx, id); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("user still there: %v", err)
	}
	if sessionFound(t, s, "session-rgpd-"+email) {
		t.Error("the session of a deleted user survives")
	}
	if got := fmt.Sprint(outboxKinds(t, s, email)); got != "[verify_email account_deleted]" {
		t.Errorf("outbox = %s", got)
	}
	if err := s.DeleteUser(ctx, id); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestStore_GrantRole(t *testing.T) {
	s := testdb.Open(t)
	_, email := newUser(t, s, "role")
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
		u, outcome, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: sub, Email: email, GivenName: "Jean", UsualName: "Dupont", SIRET: "13002526500013"})
		if err != nil || outcome != postgres.ProConnectCreated || !u.Verified() || u.HasPassword || u.ProConnectSub != sub {
			t.Fatalf("= %+v %v %v", u, outcome, err)
		}
		again, outcome, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: sub, Email: "autre@exemple.fr", GivenName: "Jeanne"})
		if err != nil || outcome != postgres.ProConnectKnown || again.ID != u.ID || again.GivenName != "Jeanne" || again.Email != email {
			t.Fatalf("second login = %+v %v %v", again, outcome, err)
		}
	})
	// Linking hands the account to the identity's owner: whoever set its password, and whoever holds one of its
	// sessions, may not be them (the address could have been squatted before it was proven).
	t.Run("LinkEndsSessionsAndPassword", func(t *testing.T) {
		for name, verify := range map[string]bool{"Verified": true, "Unverified": false} {
			t.Run(name, func(t *testing.T) {
				email := uniqueEmail("pc-link")
				id, tok := signUp(t, s, email)
				if verify {
					if _, err := s.VerifyEmail(ctx, account.HashToken(tok)); err != nil {
						t.Fatal(err)
					}
				}
				openSession(t, s, id, "session-pc-"+email)
				reset := resetLink(t, s, id, email)
				before := testdb.Must(s.UserByID(ctx, id))(t)
				u, outcome, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: sub + "-" + name, Email: email})
				if err != nil || outcome != postgres.ProConnectLinked || u.ID != id || u.HasPassword || !u.Verified() ||
					u.SessionEpoch != before.SessionEpoch+1 {
					t.Fatalf("= %+v %v %v", u, outcome, err)
				}
				if n := testdb.Must(s.CountSessions(ctx, id))(t); n != 0 {
					t.Errorf("%d sessions of the linked account survive", n)
				}
				if _, err := s.ResetTokenUser(ctx, reset); !errors.Is(err, apperr.ErrGone) {
					t.Errorf("a reset link issued before the link survives: %v", err)
				}
			})
		}
	})
	t.Run("AddressLinkedToAnotherIdentity", func(t *testing.T) {
		email := uniqueEmail("pc-conflict")
		if _, _, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: sub + "-4", Email: email}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ProConnectLogin(ctx, account.ExternalIdentity{Subject: sub + "-5", Email: email}); !errors.Is(err, apperr.ErrConflict) {
			t.Errorf("= %v, want ErrConflict", err)
		}
	})
}

// TestStore_ResetLinksVoided: a reset link issued before signing out everywhere, or before a password change, no
// longer works after it.
func TestStore_ResetLinksVoided(t *testing.T) {
	s := testdb.Open(t)
	ctx := context.Background()
	for name, void := range map[string]func(id int64) error{
		"EndSessions": func(id int64) error { return s.EndSessions(ctx, id) },
		"ChangePassword": func(id int64) error {
			_, err := s.ChangePassword(ctx, id, "$argon2id$new", "aucune-session")
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			email := uniqueEmail("lien")
			id, _ := signUp(t, s, email)
			reset := resetLink(t, s, id, email)
			if err := void(id); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ResetTokenUser(ctx, reset); !errors.Is(err, apperr.ErrGone) {
				t.Errorf("reset link after %s: %v, want ErrGone", name, err)
			}
		})
	}
}

func TestStore_Outbox(t *testing.T) {
	t.Parallel()
	s := testdb.NewMigrated(t, "courriels", 4)
	ctx := context.Background()
	testdb.Exec(t, s, `UPDATE mail_outbox SET sent_at = now() WHERE sent_at IS NULL`)
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
	if ms := testdb.Must(s.ClaimMails(ctx, 10))(t); len(ms) != 0 {
		t.Errorf("%d leased mails claimed again", len(ms))
	}
	for id := range seen {
		if err := s.MarkSent(ctx, id, false); err != nil {
			t.Fatal(err)
		}
	}
	ms := testdb.Must(s.RecentMails(ctx, "0."+email, 10))(t)
	if len(ms) != 1 || ms[0].SentAt == nil || ms[0].Body != "" {
		t.Errorf("sent mail = %+v, want sent with its body erased", ms)
	}
}

func TestStore_RateHit(t *testing.T) {
	s := testdb.Open(t)
	ctx := context.Background()
	key := "test:" + uniqueEmail("rate")
	if n, err := s.RateCount(ctx, key, time.Hour); err != nil || n != 0 {
		t.Fatalf("count before any hit: %d, %v", n, err)
	}
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
	// Reading the count counts nothing.
	for range 2 {
		if n, err := s.RateCount(ctx, key, time.Hour); err != nil || n != 20 {
			t.Errorf("count after 20 hits: %d, %v", n, err)
		}
	}
	if err := s.RateReset(ctx, key); err != nil {
		t.Fatal(err)
	}
	if n, _, err := s.RateHit(ctx, key, time.Hour); err != nil || n != 1 {
		t.Errorf("after reset: %d, %v", n, err)
	}
	if err := s.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestStore_Cleanup_InactiveAccounts: an account not signed in for three years is deleted with its data (its
// confirmed seat released), a more recent one and an admin are kept — as the personal-data page says.
func TestStore_Cleanup_InactiveAccounts(t *testing.T) {
	t.Parallel()
	s := testdb.NewSeeded(t, "inactifs", 4)
	ctx := context.Background()
	mod := enModule(t, s, "presentiel", "published", "published")
	sess := enSession(t, s, mod, 5, 10*24*time.Hour)
	users := enUsers(t, s, 3)
	old, recent, adm := users[0], users[1], users[2]
	if _, err := s.EnrolInSession(ctx, old, sess, ""); err != nil {
		t.Fatal(err)
	}
	testdb.Exec(t, s, `UPDATE users SET last_login_at = now() - interval '3 years 1 day' WHERE id = ANY($1)`, []int64{old, adm})
	testdb.Exec(t, s, `UPDATE users SET last_login_at = now() - interval '2 years' WHERE id = $1`, recent)
	testdb.Exec(t, s, `UPDATE users SET role = 'admin' WHERE id = $1`, adm)
	if err := s.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM users WHERE id = ANY($1)`, []int64{old, recent, adm}); n != 2 {
		t.Errorf("%d of the three accounts left, want 2", n)
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM users WHERE id = $1`, old); n != 0 {
		t.Error("the inactive account is kept")
	}
	if n := testdb.Int(t, s, `SELECT seats_taken FROM module_sessions WHERE id = $1`, sess); n != 0 {
		t.Errorf("the deleted account's seat is still taken (%d)", n)
	}
}
