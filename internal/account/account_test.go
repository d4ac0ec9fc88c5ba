package account_test

import (
	"strings"
	"testing"
	"time"

	"campus/internal/account"
)

func TestCheckPassword(t *testing.T) {
	for _, c := range []struct {
		password, email, want string // want: a fragment of the message, "" when accepted
	}{
		{"", "", "Choisissez"},
		{"court", "", "au moins 12"},
		{"motdepasse", "", "au moins 12"},
		{strings.Repeat("ab", 70), "", "dépasser 128"},
		{"password1234", "", "plus courants"},
		{"Motdepasse2024!", "", "plus courants"},
		{"P@ssw0rd2024!!", "", "plus courants"},
		{"azertyuiop123", "", "plus courants"},
		{"123456789012", "", "plus courants"},
		{"aaaaaaaaaaaaaaa", "", "plus courants"},
		{"abcabcabcabcabc", "", "plus courants"},
		{"azertyazerty", "", "plus courants"},
		{"soleilbonjour!", "", "plus courants"},
		{"mot\xffde-passe-long", "", "non valides"},
		{"camille.martin-2024", "camille.martin@culture.gouv.fr", "adresse électronique"},
		{"cheval agrafe pile correcte", "", ""},
		{"Trois-Chats-Verts-Dansent", "camille.martin@culture.gouv.fr", ""},
		{"Él3phant-rose-à-Nîmes", "", ""},
	} {
		got := account.CheckPassword(c.password, c.email)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("CheckPassword(%q) = %q, want %q", c.password, got, c.want)
		}
	}
}

func TestHashPassword(t *testing.T) {
	h, err := account.HashPassword("cheval agrafe pile correcte")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id in PHC format", h)
	}
	h2, err := account.HashPassword("cheval agrafe pile correcte")
	if err != nil {
		t.Fatal(err)
	}
	if h == h2 {
		t.Error("two hashes of the same password are equal: no salt")
	}
	if !account.VerifyPassword(h, "cheval agrafe pile correcte") {
		t.Error("the right password is refused")
	}
	for _, wrong := range []string{"cheval agrafe pile correctE", "", "cheval agrafe pile correcte "} {
		if account.VerifyPassword(h, wrong) {
			t.Errorf("wrong password %q accepted", wrong)
		}
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=19456,t=2,p=1$xx", "$bcrypt$...", h[:len(h)-2] + "!!"} {
		if account.VerifyPassword(bad, "cheval agrafe pile correcte") {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
	// No account and a wrong password cost about the same time.
	start := time.Now()
	account.VerifyPassword(h, "mauvais mot de passe")
	real := time.Since(start)
	start = time.Now()
	account.SpendVerification("mauvais mot de passe")
	dummy := time.Since(start)
	if dummy < real/4 || dummy > real*4 {
		t.Errorf("unknown account took %v, known account %v: timings differ", dummy, real)
	}
}

func TestCheckEmail(t *testing.T) {
	for in, ok := range map[string]bool{
		"camille.martin@culture.gouv.fr":        true,
		"a+b@x.fr":                              true,
		"":                                      false,
		"camille":                               false,
		"camille@":                              false,
		"camille@localhost":                     false,
		"ca mille@x.fr":                         false,
		"camille@@x.fr":                         false,
		"camille@x..fr":                         false,
		".camille@x.fr":                         false,
		"é@x.fr":                                false,
		"\xff@x.fr":                             false,
		strings.Repeat("a", 65) + "@x.fr":       false,
		"a@" + strings.Repeat("b", 250) + ".fr": false,
	} {
		if msg := account.CheckEmail(account.NormalizeEmail(in)); (msg == "") != ok {
			t.Errorf("CheckEmail(%q) = %q, want ok=%v", in, msg, ok)
		}
	}
	if account.NormalizeEmail("  Camille.Martin@Culture.GOUV.fr ") != "camille.martin@culture.gouv.fr" {
		t.Error("NormalizeEmail does not trim and lower-case")
	}
}

func TestRoles(t *testing.T) {
	admin := account.User{Role: account.RoleAdmin}
	trainer := account.User{Role: account.RoleTrainer}
	agent := account.User{Role: account.RoleAgent}
	for _, c := range []struct {
		u    account.User
		role string
		want bool
	}{
		{admin, account.RoleAdmin, true}, {admin, account.RoleTrainer, true}, {admin, account.RoleAgent, true},
		{trainer, account.RoleAdmin, false}, {trainer, account.RoleTrainer, true}, {trainer, account.RoleAgent, true},
		{agent, account.RoleAdmin, false}, {agent, account.RoleTrainer, false}, {agent, account.RoleAgent, true},
		{agent, "superuser", false}, {account.User{Role: "x"}, account.RoleAgent, false},
	} {
		if got := c.u.Has(c.role); got != c.want {
			t.Errorf("%s.Has(%s) = %v", c.u.Role, c.role, got)
		}
	}
}

func TestToken(t *testing.T) {
	tok, hash := account.NewToken()
	tok2, _ := account.NewToken()
	if tok == tok2 || !account.PlausibleToken(tok) || len(hash) != 32 || string(account.HashToken(tok)) != string(hash) {
		t.Errorf("token %q hash %x", tok, hash)
	}
	for _, bad := range []string{"", "abc", tok + "x", strings.Repeat("!", 43)} {
		if account.PlausibleToken(bad) {
			t.Errorf("PlausibleToken(%q)", bad)
		}
	}
}
