package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"campus/internal/account"
	"campus/internal/postgres"
	"campus/internal/testdb"
	"campus/internal/web"
	"campus/internal/web/webtest"
)

// accountServer is the portal over plain http with non-Secure cookies, so that the browser keeps the session.
func accountServer(t *testing.T, store *postgres.Store) string {
	t.Helper()
	srv, _ := webtest.Start(t, store, map[string]string{"CAMPUS_COOKIE_SECURE": "false"}, nil)
	return srv.URL
}

const e2ePassword = testdb.Password

// e2eUser creates a verified account of the role and returns its address and the token of a fresh
// password-reset link, read from its mail.
func e2eUser(t *testing.T, store *postgres.Store, role string) (string, string) {
	t.Helper()
	ctx := t.Context()
	email := "e2e." + role + "." + strings.ReplaceAll(t.Name(), "/", "-") + "@exemple.gouv.fr"
	u := testdb.User(t, store, testdb.Account{Email: email, Role: role})
	if err := store.IssueToken(ctx, u.ID, account.PurposeResetPassword); err != nil {
		t.Fatal(err)
	}
	reset := testdb.LastLink(t, store, u.Email, "/reinitialisation/")
	if got, err := store.ResetTokenUser(ctx, account.HashToken(reset)); err != nil || got.ID != u.ID {
		t.Fatalf("the mailed reset link %q: %+v, %v", reset, got, err)
	}
	return u.Email, reset
}

// e2eAccount is e2eUser for a test that needs the account's address and id rather than a reset link.
func e2eAccount(t *testing.T, store *postgres.Store, role string) (string, int64) {
	t.Helper()
	email, _ := e2eUser(t, store, role)
	return email, mustUser(t, store, email)
}

func mustUser(t *testing.T, store *postgres.Store, email string) int64 {
	u, _, err := store.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// signIn gives the browser the session of the account email without typing it (TestKeyboard_SignInWithKeyboardOnly
// types it, where the form is the point): the sign-in form is posted over HTTP to the real handler, and the
// session cookie it sets goes into the browser's cookie jar; every later page of the browser is signed in.
func signIn(t *testing.T, b *browser, email string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(b.base+"/connexion", url.Values{"email": {email}, "password": {e2ePassword}})
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/compte" {
		t.Fatalf("sign-in: %d → %q, want 303 → /compte", res.StatusCode, res.Header.Get("Location"))
	}
	for _, c := range res.Cookies() {
		if c.Name == web.SessionCookieName(false) {
			httpOnly := true
			set := network.SetCookieParams{Name: c.Name, Value: c.Value, URL: b.base + "/", HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax}
			if err := chromedp.Do(b.rootC, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, network.SetCookie, set)
				return err
			})); err != nil {
				t.Fatalf("sign-in: setting the session cookie: %v", err)
			}
			return
		}
	}
	t.Fatal("sign-in: no session cookie")
}

// signedInBrowser is a new browser (newBrowser) signed in as the account email (signIn).
func signedInBrowser(t *testing.T, base, email string) *browser {
	t.Helper()
	b := newBrowser(t, base)
	signIn(t, b, email)
	return b
}

// sizes are the two windows every page is scanned in: a desktop's and a phone's.
var sizes = []struct {
	name string
	o    tabOptions
}{{"bureau", desktop}, {"mobile", mobile}}

// scanPages opens path in the browser in each of sizes, as the subtests name/bureau and name/mobile: the page's
// h1 must be h1 (a page signed out or in error would have another), then scan checks it.
func scanPages(t *testing.T, b *browser, name, path, h1 string) {
	t.Helper()
	for _, size := range sizes {
		t.Run(name+"/"+size.name, func(t *testing.T) {
			tb := b.open(t, path, size.o)
			if got := eval[string](t, tb, `document.querySelector("main h1").textContent.trim()`); got != h1 {
				t.Fatalf("h1 %q, want %q", got, h1)
			}
			scan(t, tb, name+"-"+size.name)
		})
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
	ctx := t.Context()
	// A sign-up waiting for its confirmation (the link's page asks for the password), and a change of address
	// waiting too (the new address's page confirms it with the password, the old address's page cancels it).
	// The links' tokens are read from the mails, and checked against the store before the pages are scanned.
	pending := account.NormalizeEmail("e2e.attente." + strings.ReplaceAll(t.Name(), "/", "-") + "@exemple.gouv.fr")
	if _, _, err := store.SignUp(ctx, postgres.NewAccount{Email: pending, PasswordHash: "$argon2id$x", GivenName: "Camille"}); err != nil {
		t.Fatal(err)
	}
	verify := testdb.LastLink(t, store, pending, "/verification/")
	if u, _, err := store.VerificationUser(ctx, account.HashToken(verify)); err != nil || u.Email != pending {
		t.Fatalf("the mailed confirmation link %q: %+v, %v", verify, u, err)
	}
	const newEmail = "e2e.nouvelle@exemple.gouv.fr"
	if err := store.RequestEmailChange(ctx, mustUser(t, store, email), newEmail); err != nil {
		t.Fatal(err)
	}
	confirmTok, cancel := testdb.LastLink(t, store, newEmail, "/adresse/confirmation/"), testdb.LastLink(t, store, email, "/adresse/annulation/")
	if c, _, err := store.EmailChangeToConfirm(ctx, account.HashToken(confirmTok)); err != nil || c.NewEmail != newEmail {
		t.Fatalf("the mailed confirmation link %q: %+v, %v", confirmTok, c, err)
	}
	if c, err := store.EmailChangeToCancel(ctx, account.HashToken(cancel)); err != nil || c.NewEmail != newEmail {
		t.Fatalf("the mailed cancellation link %q: %+v, %v", cancel, c, err)
	}

	for _, size := range sizes {
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
			tb.sentBack(t, fill(map[string]string{"#given_name": "Camille", "#email": "pas-une-adresse", "#password": "court"}),
				chromedp.Click(chromedp.CSS(`main form[action="/inscription"] button[type=submit]`)))
			if n := eval[int](t, tb, `document.querySelectorAll(".fr-input-group--error").length`); n != 4 {
				t.Errorf("%d fields in error, want 4 (usual_name, administration, email, password)", n)
			}
			if v := eval[string](t, tb, `document.querySelector("#given_name").value`); v != "Camille" {
				t.Errorf("typed name lost: %q", v)
			}
			scan(t, tb, "inscription-erreurs-"+size.name)
		})
	}

	signIn(t, b, email)
	scanPages(t, b, "compte", "/compte", "Mon compte")
	scanPages(t, b, "suppression-compte", "/compte/suppression", "Supprimer mon compte")
	scanPages(t, b, "administration", "/admin", "Administration du Campus")
}
