package e2e

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"campus/internal/account"
	"campus/internal/account/accounttest"
	"campus/internal/config"
	"campus/internal/mail"
	"campus/internal/postgres"
	"campus/internal/testdb"
	"campus/internal/web"
)

// accountServer is the portal over plain http with non-Secure cookies, so that the browser keeps the session.
func accountServer(t *testing.T, store *postgres.Store) string {
	t.Helper()
	cfg, err := config.FromEnv(func(k string) string { return map[string]string{"CAMPUS_COOKIE_SECURE": "false"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

const e2ePassword = "cheval agrafe pile correcte"

// e2eUser creates a verified account of the role and returns its address and a fresh password-reset token.
func e2eUser(t *testing.T, store *postgres.Store, role string) (string, string) {
	t.Helper()
	ctx := context.Background()
	email := "e2e." + role + "." + strings.ReplaceAll(t.Name(), "/", "-") + "@exemple.gouv.fr"
	email = account.NormalizeEmail(email)
	hash := accounttest.Hash(e2ePassword)
	tok, th := account.NewToken()
	if _, _, err := store.SignUp(ctx, postgres.NewAccount{Email: email, PasswordHash: hash, GivenName: "Camille", UsualName: "Martin",
		Administration: "DINUM"}, th, mail.VerifyEmail(email, ""), mail.AlreadyRegistered(email, "", "", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := store.VerifyEmail(ctx, account.HashToken(tok)); err != nil {
		t.Fatal(err)
	}
	if _, err := store.GrantRole(ctx, email, role); err != nil {
		t.Fatal(err)
	}
	reset, rh := account.NewToken()
	if err := store.IssueToken(ctx, mustUser(t, store, email), account.PurposeResetPassword, rh, mail.ResetPassword("", "", "")); err != nil {
		t.Fatal(err)
	}
	return email, reset
}

func mustUser(t *testing.T, store *postgres.Store, email string) int64 {
	u, _, err := store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// logIn signs the browser in through the sign-in form; every later tab shares the session cookie.
func logIn(t *testing.T, b *browser, email string) {
	t.Helper()
	tb := b.open(t, "/connexion", desktop)
	err := chromedp.Do(tb.ctx,
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), e2ePassword),
		chromedp.Click(chromedp.CSS(`main form[action="/connexion"] button[type=submit]`)),
		chromedp.WaitReady(chromedp.CSS(`.fr-header__tools form[action="/deconnexion"]`)),
	)
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if got := eval[string](t, tb, `location.pathname`); got != "/compte" {
		t.Fatalf("after sign-in the browser is on %s, want /compte", got)
	}
}

// scan runs axe-core on the tab; the browser must have logged no error except, for a form sent back with
// errors, the 422 status of that answer.
func scan(t *testing.T, tb *tab, name string) {
	t.Helper()
	if vs := axe(t, tb); len(vs) > 0 {
		t.Errorf("%s: %d axe violations:%s", name, len(vs), describe(vs))
	}
	var errs []string
	for _, e := range tb.problems() {
		if !strings.Contains(e, "status of 422") {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		t.Errorf("%s: browser errors:\n  %s", name, strings.Join(errs, "\n  "))
	}
	screenshot(t, tb, name)
}

// TestAccessibility_AccountPages scans the account pages with axe-core: the reset page of a link, the
// sign-up form in its error state, then, signed in as an admin, the account page, the deletion page and
// the back-office home.
func TestAccessibility_AccountPages(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	b := newBrowser(t, accountServer(t, store))
	email, reset := e2eUser(t, store, account.RoleAdmin)
	ctx := context.Background()
	// A sign-up waiting for its confirmation (the link's page asks for the password), and a change of address
	// waiting too (the new address's page confirms it with the password, the old address's page cancels it).
	verify, vh := account.NewToken()
	pending := account.NormalizeEmail("e2e.attente." + strings.ReplaceAll(t.Name(), "/", "-") + "@exemple.gouv.fr")
	if _, _, err := store.SignUp(ctx, postgres.NewAccount{Email: pending, PasswordHash: "$argon2id$x", GivenName: "Camille"}, vh,
		mail.VerifyEmail(pending, ""), mail.AlreadyRegistered(pending, "", "", "")); err != nil {
		t.Fatal(err)
	}
	cancel, ch := account.NewToken()
	confirmTok, confirm := account.NewToken()
	if err := store.RequestEmailChange(ctx, mustUser(t, store, email), "e2e.nouvelle@exemple.gouv.fr", confirm, ch, postgres.EmailChangeMails{
		Confirm: mail.EmailChangeConfirm("", ""), Taken: mail.EmailChangeTaken("", "", ""), Notice: mail.EmailChangeNotice("", "", "", "")}); err != nil {
		t.Fatal(err)
	}

	for _, size := range []struct {
		name string
		o    tabOptions
	}{{"bureau", desktop}, {"mobile", mobile}} {
		t.Run("reinitialisation/"+size.name, func(t *testing.T) {
			scan(t, b.open(t, "/reinitialisation/"+reset, size.o), "reinitialisation-"+size.name)
		})
		t.Run("verification/"+size.name, func(t *testing.T) {
			scan(t, b.open(t, "/verification/"+verify, size.o), "verification-"+size.name)
		})
		t.Run("confirmation-adresse/"+size.name, func(t *testing.T) {
			scan(t, b.open(t, "/adresse/confirmation/"+confirmTok, size.o), "confirmation-adresse-"+size.name)
		})
		t.Run("annulation-adresse/"+size.name, func(t *testing.T) {
			scan(t, b.open(t, "/adresse/annulation/"+cancel, size.o), "annulation-adresse-"+size.name)
		})
		t.Run("inscription-erreurs/"+size.name, func(t *testing.T) {
			tb := b.open(t, "/inscription", size.o)
			err := chromedp.Do(tb.ctx,
				chromedp.SetValue(chromedp.CSS("#given_name"), "Camille"),
				chromedp.SetValue(chromedp.CSS("#email"), "pas-une-adresse"),
				chromedp.SetValue(chromedp.CSS("#password"), "court"),
				chromedp.Click(chromedp.CSS(`main form[action="/inscription"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#erreurs-formulaire`)),
			)
			if err != nil {
				t.Fatal(err)
			}
			if n := eval[int](t, tb, `document.querySelectorAll(".fr-input-group--error").length`); n != 4 {
				t.Errorf("%d fields in error, want 4 (usual_name, administration, email, password)", n)
			}
			if v := eval[string](t, tb, `document.querySelector("#given_name").value`); v != "Camille" {
				t.Errorf("typed name lost: %q", v)
			}
			scan(t, tb, "inscription-erreurs-"+size.name)
		})
	}

	logIn(t, b, email)
	for _, p := range []struct{ name, path, h1 string }{
		{"compte", "/compte", "Mon compte"},
		{"suppression-compte", "/compte/suppression", "Supprimer mon compte"},
		{"administration", "/admin", "Administration du Campus"},
	} {
		for _, size := range []struct {
			name string
			o    tabOptions
		}{{"bureau", desktop}, {"mobile", mobile}} {
			t.Run(p.name+"/"+size.name, func(t *testing.T) {
				tb := b.open(t, p.path, size.o)
				if h1 := eval[string](t, tb, `document.querySelector("main h1").textContent.trim()`); h1 != p.h1 {
					t.Fatalf("h1 %q, want %q (not signed in?)", h1, p.h1)
				}
				scan(t, tb, p.name+"-"+size.name)
			})
		}
	}
}
