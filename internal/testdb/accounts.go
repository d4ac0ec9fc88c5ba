package testdb

import (
	"context"
	"testing"

	"campus/internal/account"
	"campus/internal/account/accounttest"
	"campus/internal/postgres"
)

// Password is the password of the accounts User creates.
const Password = "cheval agrafe pile correcte"

// Account describes an account for User; empty names are Camille Martin, of DINUM; an empty role keeps the
// one every account starts with.
type Account struct {
	Email, GivenName, UsualName, Administration, Role string
}

// User creates a verified account as the sign-up form and the confirmation link would, with Password (hashed
// at the test cost, accounttest), and returns it.
func User(t testing.TB, s *postgres.Store, a Account) account.User {
	t.Helper()
	ctx := context.Background()
	if a.GivenName == "" {
		a.GivenName, a.UsualName = "Camille", "Martin"
	}
	if a.Administration == "" {
		a.Administration = "DINUM"
	}
	email := account.NormalizeEmail(a.Email)
	_, created, err := s.SignUp(ctx, postgres.NewAccount{Email: email, PasswordHash: accounttest.Hash(Password), GivenName: a.GivenName,
		UsualName: a.UsualName, Administration: a.Administration})
	if err != nil {
		t.Fatalf("testdb.User(%s): %v", email, err)
	}
	if !created {
		t.Fatalf("testdb.User(%s): the address already has an account", email)
	}
	if _, err := s.VerifyEmail(ctx, account.HashToken(LastLink(t, s, email, "/verification/"))); err != nil {
		t.Fatalf("testdb.User(%s): %v", email, err)
	}
	if a.Role != "" {
		u, err := s.GrantRole(ctx, email, a.Role)
		if err != nil {
			t.Fatalf("testdb.User(%s): %v", email, err)
		}
		return u
	}
	u, _, err := s.UserByEmail(ctx, email)
	if err != nil {
		t.Fatalf("testdb.User(%s): %v", email, err)
	}
	return u
}
