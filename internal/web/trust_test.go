package web_test

// The attacks of the "Trust first" review, replayed through the portal's HTTP interface: each test fails on
// the code the review was run against and passes since.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/account"
	"campus/internal/account/accounttest"
	"campus/internal/apperr"
	"campus/internal/config"
	"campus/internal/mail"
	"campus/internal/postgres"
	"campus/internal/proconnect/proconnecttest"
	"campus/internal/testdb"
	"campus/internal/web"
)

// TestTrust_ProConnectTakeover (review row 1): Mallory, signed in, gives her account the victim's address; the
// victim's first ProConnect sign-in used to link Mallory's row by that address, without ending Mallory's
// session, which then opened the victim's account. An address is now the account's only once proven.
func TestTrust_ProConnectTakeover(t *testing.T) {
	t.Parallel()
	store, fake, srv := proConnectPortal(t)
	mallory, mu := signedIn(t, srv, store, account.RoleAgent)
	victimEmail := uniqueEmail("victime")

	// The address sent with the information form (the old way in) changes nothing.
	expectRedirect(t, mallory.post("/compte/informations", url.Values{"given_name": {"Mallory"}, "usual_name": {"M"},
		"email": {victimEmail}}), http.StatusSeeOther, "/compte")
	// Through the address form: not without her password…
	p := mallory.post("/compte/adresse", url.Values{"new_email": {victimEmail}})
	if p.status != http.StatusUnprocessableEntity || fieldError(p, "adresse-current_password") == "" {
		t.Fatalf("address change without the password: %d %q", p.status, fieldError(p, "adresse-current_password"))
	}
	checkUniqueIDs(t, "/compte/adresse", p)
	if p.doc.Find(`#erreurs-formulaire a[href="#adresse-current_password"]`).Length() != 1 {
		t.Error("the error summary does not lead to the address form's password field")
	}
	// …and with it, only a request that the victim's mailbox would have to confirm.
	expectRedirect(t, mallory.post("/compte/adresse", url.Values{"new_email": {victimEmail}, "current_password": {goodPassword}}),
		http.StatusSeeOther, "/compte#mon-adresse")
	if got := userByID(t, store, mu.ID); got.Email != mu.Email {
		t.Fatalf("Mallory's account took the address before it was proven: %q", got.Email)
	}
	_, confirmPath := lastMail(t, store, victimEmail)

	// The victim signs in with ProConnect in her own browser: a new account of her own.
	fake.SignIn(proconnecttest.Identity{Sub: "sub-" + victimEmail, Email: victimEmail, GivenName: "Victoire", UsualName: "Dupré"})
	victim := newBrowser(t, srv)
	expectRedirect(t, proConnectSignIn(t, fake, victim), http.StatusSeeOther, "/compte")
	vu := userByEmail(t, store, victimEmail)
	if vu.ID == mu.ID {
		t.Fatalf("the victim's ProConnect sign-in landed in Mallory's account (%+v)", vu)
	}
	// Mallory's cookie opens her own account only.
	if p := mallory.get("/compte"); p.status != http.StatusOK || text(p.doc.Find("#mon-adresse ~ p strong")) != mu.Email ||
		strings.Contains(text(p.doc.Find("main")), "Victoire") {
		t.Errorf("Mallory's /compte: %d %q", p.status, text(p.doc.Find("#mon-adresse ~ p")))
	}
	var x account.Export
	if p := mallory.get("/compte/donnees"); json.Unmarshal([]byte(p.body), &x) != nil || x.Account.Email != mu.Email {
		t.Errorf("Mallory's data export is about %q", x.Account.Email)
	}
	for _, path := range []string{"/mes-formations", "/mes-licences"} {
		if p := mallory.get(path); p.status != http.StatusOK || strings.Contains(p.body, victimEmail) || strings.Contains(p.body, "Victoire") {
			t.Errorf("%s as Mallory: %d, shows the victim", path, p.status)
		}
	}
	// The confirmation link went to the victim: opened, it changes nothing and asks for Mallory's password;
	// and even Mallory's own session cannot give the victim's address to her account now.
	if p := victim.get(confirmPath); p.status != http.StatusOK || p.doc.Find("input#password").Length() != 1 {
		t.Errorf("the confirmation page for a stranger: %d", p.status)
	}
	if p := victim.post(confirmPath, nil); p.status != http.StatusUnprocessableEntity {
		t.Errorf("confirming without the account's password: %d", p.status)
	}
	if p := mallory.post(confirmPath, nil); p.status != http.StatusConflict {
		t.Errorf("confirming a taken address: %d", p.status)
	}
	if got := userByID(t, store, mu.ID); got.Email != mu.Email {
		t.Errorf("Mallory's address became %q", got.Email)
	}
}

// TestTrust_PreHijack (review row 2): Mallory signs up with the victim's address and her own password; the
// victim opens the confirmation link she did not ask for, then signs in with ProConnect. Mallory's password
// used to open the linked account, and the profile she typed (an administration of her own, a name when
// ProConnect gives none) stayed with it.
func TestTrust_PreHijack(t *testing.T) {
	t.Parallel()
	store, fake, srv := proConnectPortal(t)
	victimEmail := uniqueEmail("prise")
	const malloryPassword = "le mot de passe de mallory"
	const malloryText = "Appelez le 01 99 99 99 99"

	mallory := newBrowser(t, srv)
	expectRedirect(t, mallory.post("/inscription", url.Values{"given_name": {"Victoire"}, "usual_name": {malloryText},
		"administration": {malloryText}, "email": {victimEmail}, "password": {malloryPassword}}), http.StatusSeeOther, "/inscription/courriel-envoye")
	_, verifyPath := lastMail(t, store, victimEmail)

	// The victim opens the link: without the password chosen at sign-up, nothing is confirmed.
	victim := newBrowser(t, srv)
	if p := victim.get(verifyPath); p.status != http.StatusOK {
		t.Fatalf("verification page: %d", p.status)
	}
	if p := victim.post(verifyPath, url.Values{"password": {"je n’ai jamais créé ce compte"}}); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("confirmation without the password: %d", p.status)
	}
	if u := userByEmail(t, store, victimEmail); u.Verified() {
		t.Fatal("the address counts as proven")
	}
	if p := mallory.login(victimEmail, malloryPassword); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("Mallory signs in to an unconfirmed account: %d", p.status)
	}

	// The victim signs in with ProConnect (which gives her first name only): the account becomes hers, Mallory's
	// password is gone, and so is what Mallory typed.
	fake.SignIn(proconnecttest.Identity{Sub: "sub-" + victimEmail, Email: victimEmail, GivenName: "Victoire"})
	expectRedirect(t, proConnectSignIn(t, fake, victim), http.StatusSeeOther, "/compte")
	if p := newBrowser(t, srv).login(victimEmail, malloryPassword); p.status != http.StatusUnprocessableEntity {
		t.Errorf("Mallory's password still opens the account: %d → %q", p.status, p.header.Get("Location"))
	}
	if u := userByEmail(t, store, victimEmail); u.GivenName != "Victoire" || u.UsualName != "" || u.Administration != "" {
		t.Errorf("the linked account keeps Mallory's profile: %q %q, %q", u.GivenName, u.UsualName, u.Administration)
	}
	if p := victim.get("/compte"); p.status != http.StatusOK || !strings.Contains(text(p.doc.Find("main")), "Compte ProConnect lié") {
		t.Errorf("the victim's account: %d", p.status)
	}
}

// TestTrust_LinkEndsSessions (review rows 1 and 2): an account that already has the address and sessions (made
// before this fix, or by someone who knew the password) is handed to the ProConnect identity's owner: every
// session of it ends and its password goes.
func TestTrust_LinkEndsSessions(t *testing.T) {
	t.Parallel()
	store, fake, srv := proConnectPortal(t)
	squatter, u := signedIn(t, srv, store, account.RoleAgent)
	if p := squatter.get("/compte"); p.status != http.StatusOK {
		t.Fatalf("squatter: %d", p.status)
	}
	fake.SignIn(proconnecttest.Identity{Sub: "sub-" + u.Email, Email: u.Email, GivenName: "Vraie", UsualName: "Titulaire"})
	owner := newBrowser(t, srv)
	p := proConnectSignIn(t, fake, owner)
	expectRedirect(t, p, http.StatusSeeOther, "/compte")
	if p := owner.follow(p); !strings.Contains(text(p.doc.Find(".fr-alert--success")), "mot de passe a été désactivé") {
		t.Errorf("the owner is not told: %q", text(p.doc.Find(".fr-alert")))
	}
	expectRedirect(t, squatter.get("/compte"), http.StatusSeeOther, "/connexion?suivant=%2Fcompte")
	if p := newBrowser(t, srv).login(u.Email, goodPassword); p.status != http.StatusUnprocessableEntity {
		t.Errorf("the old password still opens the account: %d", p.status)
	}
	if p := owner.get("/compte"); p.status != http.StatusOK {
		t.Errorf("the owner's session: %d", p.status)
	}
}

// TestTrust_FirstPasswordNeedsFreshProConnect (review row 1, last step): on an account without a password, a
// password (and a new address) used to be set with no proof at all; it now takes a ProConnect sign-in of this
// session younger than CAMPUS_REAUTH_WINDOW.
func TestTrust_FirstPasswordNeedsFreshProConnect(t *testing.T) {
	store := testdb.Seeded(t)
	fake := proconnecttest.New(t)
	env := proConnectEnv(fake)
	env["CAMPUS_REAUTH_WINDOW"] = "3s" // long enough for the fresh path under -race on a cold machine
	srv := accountServer(t, store, env)
	ctx := t.Context()
	signIn := func(prefix string) (*browser, string) {
		email := uniqueEmail(prefix)
		fake.SignIn(proconnecttest.Identity{Sub: "sub-" + email, Email: email, GivenName: "Jeanne", UsualName: "Durand"})
		b := newBrowser(t, srv)
		expectRedirect(t, proConnectSignIn(t, fake, b), http.StatusSeeOther, "/compte")
		return b, email
	}

	fresh, email := signIn("frais")
	if p := fresh.get("/compte"); p.doc.Find(`form[action="/compte/mot-de-passe"] input#password`).Length() != 1 {
		t.Fatal("no password form right after a ProConnect sign-in")
	}
	expectRedirect(t, fresh.post("/compte/mot-de-passe", url.Values{"password": {"une phrase de passe neuve"}}), http.StatusSeeOther, "/compte")
	if u := userByEmail(t, store, email); !u.HasPassword {
		t.Error("a fresh ProConnect sign-in could not set the first password")
	}

	stale, email := signIn("perime")
	time.Sleep(3100 * time.Millisecond)
	p := stale.post("/compte/mot-de-passe", url.Values{"password": {"une phrase de passe neuve"}})
	if p.status != http.StatusForbidden || !strings.Contains(formMessage(p), "reconnectez-vous avec ProConnect") {
		t.Errorf("first password on a stale session: %d %q", p.status, formMessage(p))
	}
	if p.doc.Find(`form[action="/proconnect/connexion"] input[name=suivant][value="/compte#mot-de-passe"]`).Length() != 1 {
		t.Error("no way to sign in again with ProConnect from the page")
	}
	if p := stale.post("/compte/adresse", url.Values{"new_email": {uniqueEmail("ailleurs")}}); p.status != http.StatusForbidden {
		t.Errorf("address change on a stale session: %d", p.status)
	}
	u := userByEmail(t, store, email)
	if u.HasPassword {
		t.Error("a stale session set the first password")
	}
	if c, err := store.PendingEmailChange(ctx, u.ID); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("pending change recorded: %+v (%v)", c, err)
	}
}

// TestTrust_AddressChange (review rows 3 and 7): a change of address asks for the password, stays pending until
// the new address confirms it, tells the old address (which may cancel), answers the same whether the new
// address is free or taken, and is rate-limited; the old address can undo a confirmed change and secure the
// account.
func TestTrust_AddressChange(t *testing.T) {
	t.Parallel()
	store, srv, b, u := signedInPortal(t, account.RoleAgent)
	other := newUser(t, store, "deja-pris", account.RoleAgent)

	if p := b.post("/compte/adresse", url.Values{"new_email": {uniqueEmail("x")}, "current_password": {"mauvais"}}); p.status != http.StatusUnprocessableEntity ||
		fieldError(p, "adresse-current_password") != "Le mot de passe actuel est incorrect." {
		t.Errorf("wrong password: %d %q", p.status, fieldError(p, "adresse-current_password"))
	} else if v, _ := p.doc.Find("input#adresse-new_email").Attr("value"); !strings.HasPrefix(v, "x.") {
		t.Errorf("typed address lost: %q", v)
	}
	if p := b.post("/compte/adresse", url.Values{"new_email": {u.Email}, "current_password": {goodPassword}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("same address: %d", p.status)
	}

	// Free and taken addresses get the same answer; only the new address's mail differs.
	answer := func(newEmail string) (string, string) {
		p := b.post("/compte/adresse", url.Values{"new_email": {newEmail}, "current_password": {goodPassword}})
		expectRedirect(t, p, http.StatusSeeOther, "/compte#mon-adresse")
		p = b.follow(p)
		return strings.ReplaceAll(text(p.doc.Find(".fr-alert--info")), newEmail, "…"), text(p.doc.Find("h1"))
	}
	free := uniqueEmail("nouvelle")
	freeFlash, freeTitle := answer(free)
	takenFlash, takenTitle := answer(other.Email)
	if freeFlash != takenFlash || freeTitle != takenTitle || freeFlash == "" {
		t.Errorf("the answers differ:\n%q\n%q", freeFlash, takenFlash)
	}
	if m, _ := lastMail(t, store, other.Email); m.Kind != mail.KindEmailChangeTaken {
		t.Errorf("mail to the taken address: %s", m.Kind)
	}
	if m, link := lastMail(t, store, u.Email); m.Kind != mail.KindEmailChangeNotice || !strings.HasPrefix(link, "/adresse/annulation/") {
		t.Errorf("notice to the old address: %s %q", m.Kind, link)
	}

	// The latest request (free) is pending; the account keeps its address, which still signs in.
	newEmail := uniqueEmail("confirmee")
	answer(newEmail)
	if got := userByID(t, store, u.ID); got.Email != u.Email || !got.Verified() {
		t.Fatalf("the address changed before confirmation: %+v", got)
	}
	expectRedirect(t, newBrowser(t, srv).login(u.Email, goodPassword), http.StatusSeeOther, "/compte")
	if p := b.get("/compte"); !strings.Contains(text(p.doc.Find("#mon-adresse").Parent().Find(".fr-alert--info")), newEmail) {
		t.Error("the pending change is not shown")
	}
	m, confirmPath := lastMail(t, store, newEmail)
	if m.Kind != mail.KindEmailChangeConfirm || !strings.HasPrefix(confirmPath, "/adresse/confirmation/") || strings.Contains(m.Body, "Camille") {
		t.Fatalf("confirmation mail: %s %q %q", m.Kind, confirmPath, m.Body)
	}
	// Opening the link changes nothing; the button applies it for the account's own session.
	if p := newBrowser(t, srv).get(confirmPath); p.status != http.StatusOK || p.doc.Find(`form[method=post] button`).Length() != 1 {
		t.Fatalf("confirmation page: %d", p.status)
	}
	if got := userByID(t, store, u.ID); got.Email != u.Email {
		t.Fatal("opening the link applied the change")
	}
	expectRedirect(t, b.post(confirmPath, nil), http.StatusSeeOther, "/compte#mon-adresse")
	if got := userByID(t, store, u.ID); got.Email != newEmail || !got.Verified() {
		t.Fatalf("after confirmation: %+v", got)
	}
	m, revertPath := lastMail(t, store, u.Email)
	if m.Kind != mail.KindEmailChanged || !strings.HasPrefix(revertPath, "/adresse/annulation/") {
		t.Fatalf("notice of the change: %s %q", m.Kind, revertPath)
	}

	// "It was not me": opening the link changes nothing (mail scanners open links); the button restores the
	// address, ends every session, removes the password, and leads to choosing a new one.
	owner := newBrowser(t, srv)
	if p := owner.get(revertPath); p.status != http.StatusOK || p.doc.Find(`form[method=post] button`).Length() == 0 {
		t.Fatalf("revert page: %d", p.status)
	}
	if got := userByID(t, store, u.ID); got.Email != newEmail {
		t.Fatal("opening the link reverted the change")
	}
	p := owner.post(revertPath, nil)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/reinitialisation/") {
		t.Fatalf("revert: %d → %q", p.status, p.header.Get("Location"))
	}
	if got := userByID(t, store, u.ID); got.Email != u.Email || got.HasPassword {
		t.Errorf("after the revert: %+v", got)
	}
	expectRedirect(t, b.get("/compte"), http.StatusSeeOther, "/connexion?suivant=%2Fcompte")
	reset := p.header.Get("Location")
	expectRedirect(t, owner.post(reset, url.Values{"password": {"ma phrase de passe reprise"}}), http.StatusSeeOther, "/connexion")
	expectRedirect(t, owner.login(u.Email, "ma phrase de passe reprise"), http.StatusSeeOther, "/compte")
	if p := owner.post(revertPath, nil); p.status != http.StatusGone {
		t.Errorf("revert link used twice: %d", p.status)
	}

	// Limited: five requests a day per account.
	b2, _ := signedIn(t, srv, store, account.RoleAgent)
	for i := 0; i < 5; i++ {
		expectRedirect(t, b2.post("/compte/adresse", url.Values{"new_email": {uniqueEmail("flot")}, "current_password": {goodPassword}}),
			http.StatusSeeOther, "/compte#mon-adresse")
	}
	if p := b2.post("/compte/adresse", url.Values{"new_email": {uniqueEmail("flot")}, "current_password": {goodPassword}}); p.status != http.StatusTooManyRequests ||
		p.header.Get("Retry-After") == "" || !strings.Contains(formMessage(p), "Trop de tentatives") {
		t.Errorf("sixth request in a day: %d %q", p.status, formMessage(p))
	}
}

// TestTrust_ConfirmationNeedsTheAccount (second review, N1): the link sent to the new address proves that
// mailbox, not who asked. Mallory asks for the victim's address on her own account: the victim opening the
// link (or her mail scanner, or her own session of another account) used to give Mallory's account her
// address, proven, which her ProConnect sign-in then linked. Now the change applies only for the account's
// own session or password.
func TestTrust_ConfirmationNeedsTheAccount(t *testing.T) {
	t.Parallel()
	store, fake, srv := proConnectPortal(t)
	mallory, mu := signedIn(t, srv, store, account.RoleAgent)
	victimEmail := uniqueEmail("victime-lien")
	expectRedirect(t, mallory.post("/compte/adresse", url.Values{"new_email": {victimEmail}, "current_password": {goodPassword}}),
		http.StatusSeeOther, "/compte#mon-adresse")
	_, confirmPath := lastMail(t, store, victimEmail)

	victim, _ := signedIn(t, srv, store, account.RoleAgent) // signed in to an account of her own
	stranger := newBrowser(t, srv)
	req, _ := http.NewRequest(http.MethodHead, srv.URL+confirmPath, nil)
	stranger.do(req)
	for name, p := range map[string]page{
		"GET by the victim":            victim.get(confirmPath),
		"GET by a stranger":            stranger.get(confirmPath),
		"POST by the victim":           victim.post(confirmPath, nil),
		"POST with the wrong password": stranger.post(confirmPath, url.Values{"password": {"devine"}}),
	} {
		if got := userByID(t, store, mu.ID); got.Email != mu.Email {
			t.Fatalf("%s gave Mallory's account the address %q", name, got.Email)
		}
		if strings.HasPrefix(name, "POST") && p.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", name, p.status)
		}
	}
	// The victim's ProConnect sign-in creates her own account.
	fake.SignIn(proconnecttest.Identity{Sub: "sub-" + victimEmail, Email: victimEmail})
	expectRedirect(t, proConnectSignIn(t, fake, newBrowser(t, srv)), http.StatusSeeOther, "/compte")
	if vu := userByEmail(t, store, victimEmail); vu.ID == mu.ID {
		t.Fatalf("the victim's sign-in: %+v", vu)
	}

	// The account's owner confirms in another browser with the password: the change applies and signs in.
	owner, ou := signedIn(t, srv, store, account.RoleAgent)
	ownerNew := uniqueEmail("proprietaire")
	expectRedirect(t, owner.post("/compte/adresse", url.Values{"new_email": {ownerNew}, "current_password": {goodPassword}}),
		http.StatusSeeOther, "/compte#mon-adresse")
	_, ownerPath := lastMail(t, store, ownerNew)
	elsewhere := newBrowser(t, srv)
	if p := elsewhere.get(ownerPath); p.status != http.StatusOK || !strings.Contains(text(p.doc.Find("main")), ownerNew) ||
		strings.Contains(p.body, ou.Email) {
		t.Fatalf("confirmation page for another browser: %d, shows the account's address: %v", p.status, strings.Contains(p.body, ou.Email))
	}
	if p := elsewhere.post(ownerPath, url.Values{"password": {"devine"}}); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(fieldError(p, "password"), "Mot de passe incorrect") {
		t.Errorf("wrong password: %d %q", p.status, fieldError(p, "password"))
	}
	expectRedirect(t, elsewhere.post(ownerPath, url.Values{"password": {goodPassword}}), http.StatusSeeOther, "/compte#mon-adresse")
	if got := userByID(t, store, ou.ID); got.Email != ownerNew || !got.Verified() {
		t.Errorf("after confirmation: %+v", got)
	}
	if p := elsewhere.get("/compte"); p.status != http.StatusOK {
		t.Errorf("not signed in after confirming with the password: %d", p.status)
	}
	// While the former address can undo it, no other change (it would leave the undo link nothing to undo).
	again := uniqueEmail("encore")
	if p := elsewhere.post("/compte/adresse", url.Values{"new_email": {again}, "current_password": {goodPassword}}); p.status != http.StatusConflict ||
		!strings.Contains(fieldError(p, "adresse-new_email"), "moins de 7 jours") {
		t.Errorf("a second change at once: %d %q", p.status, fieldError(p, "adresse-new_email"))
	} else if v, _ := p.doc.Find("input#adresse-new_email").Attr("value"); v != again {
		t.Errorf("typed address lost: %q", v)
	}

	// A ProConnect account has no password: only its own session confirms; the page leads to sign in first.
	pcEmail := uniqueEmail("pc-adresse")
	fake.SignIn(proconnecttest.Identity{Sub: "sub-" + pcEmail, Email: pcEmail})
	pc := newBrowser(t, srv)
	expectRedirect(t, proConnectSignIn(t, fake, pc), http.StatusSeeOther, "/compte")
	pcu := userByEmail(t, store, pcEmail)
	pcNew := uniqueEmail("pc-nouvelle")
	if err := store.RequestEmailChange(t.Context(), pcu.ID, pcNew); err != nil {
		t.Fatal(err)
	}
	pcPath := "/adresse/confirmation/" + testdb.LastLink(t, store, pcNew, "/adresse/confirmation/")
	p := stranger.get(pcPath)
	if href, _ := p.doc.Find(`main a.fr-btn[href^="/connexion?suivant="]`).Attr("href"); p.status != http.StatusOK ||
		href != "/connexion?suivant="+url.QueryEscape(pcPath) || p.doc.Find("main form[method=post]").Length() != 0 {
		t.Errorf("ProConnect account's page for a stranger: %d %q", p.status, href)
	}
	if p := stranger.post(pcPath, nil); p.status != http.StatusForbidden {
		t.Errorf("POST by a stranger on a ProConnect account: %d", p.status)
	}
	expectRedirect(t, pc.post(pcPath, nil), http.StatusSeeOther, "/compte#mon-adresse")
	if got := userByID(t, store, pcu.ID); got.Email != pcNew {
		t.Errorf("the ProConnect account's own session could not confirm: %+v", got)
	}
}

// TestTrust_SecuringWithdrawsAddressChange (second review, N2): Mallory, holding the victim's password and a
// session, asks for her own address on the victim's account. The victim secures the account (signs out
// everywhere, changes the password, resets it): Mallory's confirmation link must no longer apply.
func TestTrust_SecuringWithdrawsAddressChange(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	for name, secure := range map[string]func(b *browser, u account.User){
		"SignOutEverywhere": func(b *browser, _ account.User) {
			expectRedirect(t, b.post("/compte/deconnexion-partout", nil), http.StatusSeeOther, "/connexion")
		},
		"ChangePassword": func(b *browser, _ account.User) {
			expectRedirect(t, b.post("/compte/mot-de-passe", url.Values{"current_password": {goodPassword}, "password": {"une toute nouvelle phrase"}}),
				http.StatusSeeOther, "/compte")
		},
		"ResetPassword": func(b *browser, u account.User) {
			b.post("/mot-de-passe-oublie", url.Values{"email": {u.Email}})
			_, reset := lastMail(t, store, u.Email)
			expectRedirect(t, b.post(reset, url.Values{"password": {"une toute nouvelle phrase"}}), http.StatusSeeOther, "/connexion")
		},
	} {
		t.Run(name, func(t *testing.T) {
			victim, vu := signedIn(t, srv, store, account.RoleAgent)
			mallory := newBrowser(t, srv)
			expectRedirect(t, mallory.login(vu.Email, goodPassword), http.StatusSeeOther, "/compte")
			malloryEmail := uniqueEmail("mallory")
			expectRedirect(t, mallory.post("/compte/adresse", url.Values{"new_email": {malloryEmail}, "current_password": {goodPassword}}),
				http.StatusSeeOther, "/compte#mon-adresse")
			_, confirmPath := lastMail(t, store, malloryEmail)
			secure(victim, vu)
			if p := mallory.post(confirmPath, url.Values{"password": {goodPassword}}); p.status != http.StatusGone {
				t.Errorf("Mallory's link after %s: %d", name, p.status)
			}
			if got := userByID(t, store, vu.ID); got.Email != vu.Email {
				t.Errorf("the address became %q", got.Email)
			}
		})
	}
}

// TestTrust_UnverifiedSignInMails (second review, N3): whoever created an account with someone else's address
// knows its password; each sign-in used to mail that address a new link, without limit. The sign-ins past the
// limit answer as the others (TestTrust_SignInEnumeration): the answer does not depend on the mail.
func TestTrust_UnverifiedSignInMails(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	email := uniqueEmail("boite-inondee")
	b := newBrowser(t, srv)
	expectRedirect(t, b.post("/inscription", url.Values{"given_name": {"M"}, "usual_name": {"M"}, "administration": {"DINUM"},
		"email": {email}, "password": {goodPassword}}), http.StatusSeeOther, "/inscription/courriel-envoye")
	var first page
	for i := 0; i < 8; i++ {
		p := newBrowser(t, srv).login(email, goodPassword)
		if p.status != http.StatusUnprocessableEntity || formMessage(p) != foldSpace(signInRefused) {
			t.Fatalf("sign-in %d: %d %q", i+1, p.status, formMessage(p))
		}
		if i == 0 {
			first = p
		} else if p.body != first.body || p.header.Get("Retry-After") != "" {
			t.Errorf("sign-in %d (mails sent: %d) answers otherwise than the first", i+1, len(recentMails(t, store, email, 50)))
		}
	}
	expectConfirmationLinks(t, store, email, 4, "a sign-up and 8 sign-ins (the sign-up's, and 3 from sign-ins)")

	// Those links have a limit of their own, but obey the forms' one too: once the forms have sent an address
	// its 5 mails of the hour, a sign-in sends none.
	email = uniqueEmail("boite-pleine")
	expectRedirect(t, newBrowser(t, srv).post("/inscription", url.Values{"given_name": {"M"}, "usual_name": {"M"},
		"administration": {"DINUM"}, "email": {email}, "password": {goodPassword}}), http.StatusSeeOther, "/inscription/courriel-envoye")
	for i := 0; i < 4; i++ {
		expectRedirect(t, newBrowser(t, srv).post("/mot-de-passe-oublie", url.Values{"email": {email}}),
			http.StatusSeeOther, "/mot-de-passe-oublie/courriel-envoye")
	}
	if p := newBrowser(t, srv).login(email, goodPassword); p.status != http.StatusUnprocessableEntity || formMessage(p) != foldSpace(signInRefused) {
		t.Errorf("sign-in once the forms' limit is reached: %d %q", p.status, formMessage(p))
	}
	if n := len(recentMails(t, store, email, 50)); n != 5 {
		t.Errorf("%d mails after a sign-up, 4 reset requests and a sign-in, want 5", n)
	}
}

// TestTrust_AnonymousMail (review row 4): 50 mails in 2.5 s to one address, each repeating the sender's text
// (a phishing link). Forms that mail an address their sender typed are limited per client address and per
// recipient, and the mail repeats nothing the sender typed.
func TestTrust_AnonymousMail(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	const bait = "Urgent https://hameconnage.example/campus"
	trainerForm := func(email string) url.Values {
		return url.Values{"given_name": {bait}, "usual_name": {bait}, "email": {email}, "kind": {"externe"},
			"organisation": {bait}, "domains": {"data"}, "modules": {bait}, "availability": {bait}, "consent": {"oui"}}
	}
	programmeForm := func(email string) url.Values {
		return url.Values{"administration": {bait}, "contact_name": {bait}, "contact_email": {email}, "need": {bait},
			"audiences": {"managers"}, "headcount": {"10"}, "domains": {"data"}, "timing": {bait}, "consent": {"oui"}}
	}
	signUpForm := func(email string) url.Values {
		return url.Values{"given_name": {bait}, "usual_name": {bait}, "administration": {bait}, "email": {email}, "password": {goodPassword}}
	}
	forms := []struct {
		path string
		form func(string) url.Values
	}{{"/devenir-formateur", trainerForm}, {"/programmes-sur-mesure/demande", programmeForm}, {"/inscription", signUpForm}}

	t.Run("NoTypedTextInMails", func(t *testing.T) {
		for _, f := range forms {
			email := uniqueEmail("cible")
			if p := newBrowser(t, srv).post(f.path, f.form(email)); p.status != http.StatusSeeOther {
				t.Fatalf("%s: %d %q", f.path, p.status, formMessage(p))
			}
			m, _ := lastMail(t, store, email)
			if strings.Contains(m.Body, "hameconnage") || strings.Contains(m.Subject, "hameconnage") {
				t.Errorf("%s: the mail repeats the sender's text:\n%s", f.path, m.Body)
			}
		}
	})

	t.Run("PerRecipient", func(t *testing.T) {
		email := uniqueEmail("inondee")
		for i := 0; i < 5; i++ { // each from another client address, through every form
			f := forms[i%len(forms)]
			if p := newBrowser(t, srv).post(f.path, f.form(email)); p.status != http.StatusSeeOther {
				t.Fatalf("mail %d through %s: %d %q", i+1, f.path, p.status, formMessage(p))
			}
		}
		for _, f := range forms {
			p := newBrowser(t, srv).post(f.path, f.form(email))
			if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" || !strings.Contains(formMessage(p), "Trop de tentatives") {
				t.Errorf("%s: sixth mail to one address in an hour: %d %q", f.path, p.status, formMessage(p))
			}
		}
		ms := recentMails(t, store, email, 50)
		if len(ms) != 5 {
			t.Errorf("%d mails queued to one address, want 5", len(ms))
		}
	})

	t.Run("PerClientAddress", func(t *testing.T) {
		for _, f := range forms[:2] {
			b := newBrowser(t, srv)
			for i := 0; i < 10; i++ {
				if p := b.post(f.path, f.form(uniqueEmail("serie"))); p.status != http.StatusSeeOther {
					t.Fatalf("%s, submission %d: %d", f.path, i+1, p.status)
				}
			}
			if p := b.post(f.path, f.form(uniqueEmail("serie"))); p.status != http.StatusTooManyRequests {
				t.Errorf("%s: eleventh submission from one address in an hour: %d", f.path, p.status)
			} else if v, _ := p.doc.Find("#email, #contact_email").Attr("value"); v == "" {
				t.Errorf("%s: the refused form lost what was typed", f.path)
			}
		}
	})
}

// TestTrust_ProConnectCodeInjection (review row 14, PKCE): an authorization code issued to one browser's flow
// (leaked from its callback URL, say) cannot be replayed in another browser's callback, even with that browser's
// own valid state: the code is bound to the first flow's PKCE verifier.
func TestTrust_ProConnectCodeInjection(t *testing.T) {
	t.Parallel()
	_, fake, srv := proConnectPortal(t)
	victimEmail := uniqueEmail("code")
	fake.SignIn(proconnecttest.Identity{Sub: "sub-" + victimEmail, Email: victimEmail, GivenName: "Victoire"})

	victimCallback, _ := url.Parse(proConnectStart(t, fake, newBrowser(t, srv), "/compte"))
	attacker := newBrowser(t, srv)
	attackerCallback, _ := url.Parse(proConnectStart(t, fake, attacker, "/compte"))
	// Only the second flow's authorize request matters here: its challenge is the attacker's.
	q := attackerCallback.Query()
	q.Set("code", victimCallback.Query().Get("code"))
	p := attacker.get("/proconnect/retour?" + q.Encode())
	if p.status != http.StatusUnauthorized {
		t.Fatalf("a code of another flow was accepted: %d → %q", p.status, p.header.Get("Location"))
	}
	// Refused by the token endpoint itself (the verifier does not match), not only later by the nonce check.
	if n := len(fake.TokenStatuses); n != 1 || fake.TokenStatuses[0] != http.StatusBadRequest {
		t.Errorf("token endpoint answers: %v, want one refusal", fake.TokenStatuses)
	}
	expectRedirect(t, attacker.get("/compte"), http.StatusSeeOther, "/connexion?suivant=%2Fcompte")
	for _, r := range fake.AuthorizeRequests {
		if r.Get("code_challenge_method") != "S256" || r.Get("code_challenge") == "" {
			t.Errorf("authorize request without PKCE: %v", r)
		}
	}
}

// TestTrust_ProgrammeFollowLinkToItsAddress: a tailored-programme request's follow-up link shows the team's
// messages and answers its proposals. Whoever types someone else's address as the contact must not get it: it is
// mailed to that address, and shown at once only to an account that has proved the address.
func TestTrust_ProgrammeFollowLinkToItsAddress(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	submit := func(b *browser, contact string) (page, string) {
		t.Helper()
		res := b.post("/programmes-sur-mesure/demande", url.Values{"administration": {"Ministère de la cible"}, "contact_name": {"Alix Martin"},
			"contact_email": {contact}, "need": {"Former nos agents."}, "audiences": {"managers"}, "headcount": {"10"},
			"domains": {"data"}, "timing": {"Automne"}, "consent": {"oui"}})
		_, link := lastMail(t, store, contact)
		if !strings.HasPrefix(link, "/programmes-sur-mesure/suivi/") {
			t.Fatalf("no follow-up link mailed to %s: %q", contact, link)
		}
		return res, link
	}
	notShown := func(who string, b *browser, res page, link string) {
		t.Helper()
		expectRedirect(t, res, http.StatusSeeOther, "/programmes-sur-mesure/demande/envoyee")
		if p := b.follow(res); p.status != http.StatusOK || strings.Contains(p.body, link) || !strings.Contains(text(p.doc.Find("main")), "Consultez votre messagerie") {
			t.Errorf("%s: the sent page (%d) shows the link or no message: %q", who, p.status, text(p.doc.Find("main")))
		}
	}

	victim := newUser(t, store, "cible", "")
	anonymous := newBrowser(t, srv)
	res, link := submit(anonymous, victim.Email)
	notShown("anonymous", anonymous, res, link)

	other, _ := signedIn(t, srv, store, account.RoleAgent)
	res, link = submit(other, victim.Email)
	notShown("signed in as another account", other, res, link)

	owner := newBrowser(t, srv)
	expectRedirect(t, owner.login(victim.Email, goodPassword), http.StatusSeeOther, "/compte")
	res, link = submit(owner, victim.Email)
	expectRedirect(t, res, http.StatusSeeOther, link)
	if p := owner.follow(res); p.status != http.StatusOK || !strings.Contains(text(p.doc.Find(".fr-stepper")), "Étape 1 sur 4") {
		t.Errorf("the owner's follow-up page: %d %q", p.status, text(p.doc.Find("main")))
	}
}

// TestTrust_SignInEnumeration (account enumeration through sign-in): sign-up answers alike whether the address
// is free or taken, but Mallory then signs in with the address and the password she chose. A free address now
// holds an unconfirmed account with her password, a taken one holds the owner's password: the sign-in used to
// answer 403 « pas encore confirmée » in the first case and 422 « incorrect » in the second, so the pair told
// whether any address has a Campus account. Both answers, and that for an address nobody signed up with, must
// be the same: status, headers, cookies (by name and attributes) and body, byte for byte (the sign-in page
// carries no per-request value: no CSRF token, no CSP nonce; the request id is in a header only).
func TestTrust_SignInEnumeration(t *testing.T) {
	t.Parallel()
	store, srv, owner, free := mallorySignsUp(t, "reponses")
	// Each sign-in from a fresh browser (its own cookies and client address), as Mallory can always do.
	type attempt struct {
		email string
		p     page
	}
	attempts := map[string]attempt{}
	for name, email := range map[string]string{"free address, signed up": free, "taken address": owner.Email,
		"address nobody signed up": uniqueEmail("personne")} {
		attempts[name] = attempt{email, newBrowser(t, srv).login(email, malloryPassword)}
	}
	// What a response shows, but for the values that differ on every request (the Date and X-Request-Id
	// headers, the cookies' values and expiry dates) and for the address typed, which the form shows again.
	observable := func(a attempt) string {
		p := a.p
		var b strings.Builder
		fmt.Fprintf(&b, "status %d\n", p.status)
		keys := make([]string, 0, len(p.header))
		for k := range p.header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range p.header.Values(k) {
				switch k {
				case "Date", "X-Request-Id":
					v = "…"
				case "Set-Cookie":
					var kept []string
					for i, attr := range strings.Split(v, ";") {
						attr = strings.TrimSpace(attr)
						if i == 0 {
							attr, _, _ = strings.Cut(attr, "=")
						} else if strings.HasPrefix(strings.ToLower(attr), "expires=") {
							continue
						}
						kept = append(kept, attr)
					}
					v = strings.Join(kept, "; ")
				}
				fmt.Fprintf(&b, "%s: %s\n", k, v)
			}
		}
		b.WriteString("\n" + strings.ReplaceAll(p.body, a.email, "ADRESSE"))
		return b.String()
	}
	want := observable(attempts["taken address"])
	for name, a := range attempts {
		if got := observable(a); got != want {
			t.Errorf("sign-in with %s answers otherwise than with a taken address:\n%s", name, firstDifference(want, got))
		}
	}
	p := attempts["free address, signed up"].p
	if p.status != http.StatusUnprocessableEntity || formMessage(p) != foldSpace(signInRefused) || !strings.Contains(p.body, signInRefused) {
		t.Errorf("sign-in refused: %d %q, want 422 %q", p.status, formMessage(p), signInRefused)
	}
	if faults := typographyFaults(p); len(faults) > 0 {
		t.Errorf("the refusal is not typeset: %q", faults)
	}
	// The owner of the free address still gets a new confirmation link (Mallory learns nothing from it)…
	expectConfirmationLinks(t, store, free, 2, "a sign-up and a sign-in")
	// …and the owner of the taken address keeps her account.
	expectRedirect(t, newBrowser(t, srv).login(owner.Email, goodPassword), http.StatusSeeOther, "/compte")
}

// signInRefused is the one message of a refused sign-in, whatever the reason: unknown address, wrong password,
// or an address not confirmed yet.
const signInRefused = "Adresse électronique ou mot de passe incorrect. Si vous venez de créer votre compte, confirmez d’abord votre adresse\u00a0: ouvrez le lien reçu par courriel."

// firstDifference shows where got first differs from want, with some context.
func firstDifference(want, got string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	window := func(s string) string {
		from, to := max(0, i-80), min(len(s), i+80)
		return strings.ToValidUTF8(s[from:to], "�")
	}
	return fmt.Sprintf("at byte %d:\n  want …%s…\n  got  …%s…", i, window(want), window(got))
}

// TestTrust_SignInEnumerationByMailLimit: the same oracle through a side effect. The new confirmation link a
// sign-in of an unconfirmed account sends used to count against the mail limit per recipient, which the other
// forms answer 429 for: after a sign-up and four sign-ins, a free address had had its five mails of the hour, a
// taken one a single mail, and a password-reset request then told them apart (429 or 303).
func TestTrust_SignInEnumerationByMailLimit(t *testing.T) {
	t.Parallel()
	store, srv, owner, free := mallorySignsUp(t, "limite")
	answers := map[string]string{}
	for _, email := range []string{free, owner.Email} {
		for i := 0; i < 4; i++ {
			if p := newBrowser(t, srv).login(email, malloryPassword); p.status != http.StatusUnprocessableEntity {
				t.Fatalf("sign-in %d: %d", i+1, p.status)
			}
		}
		p := newBrowser(t, srv).post("/mot-de-passe-oublie", url.Values{"email": {email}})
		answers[email] = fmt.Sprintf("%d %s", p.status, p.header.Get("Location"))
	}
	if answers[free] != answers[owner.Email] {
		t.Errorf("reset request after a sign-up and 4 sign-ins: free address %q, taken address %q", answers[free], answers[owner.Email])
	}
	// The owner of the free address still got new confirmation links.
	if n := len(recentMails(t, store, free, 50)); n < 2 {
		t.Errorf("%d mails to the free address, want the sign-up's link and at least one more", n)
	}
}

// expectConfirmationLinks checks that an address received want mails since the test began, all of them
// confirmation links (after says after what).
func expectConfirmationLinks(t *testing.T, store *postgres.Store, to string, want int, after string) {
	t.Helper()
	ms := recentMails(t, store, to, 50)
	if len(ms) != want {
		t.Errorf("%d mails to %s after %s, want %d", len(ms), to, after, want)
	}
	for _, m := range ms {
		if m.Kind != mail.KindVerifyEmail {
			t.Errorf("mail %s to %s, want only confirmation links", m.Kind, to)
		}
	}
}

// malloryPassword is the password Mallory signs up with, for addresses she does not own.
const malloryPassword = "la phrase secrete de mallory"

// mallorySignsUp is the start of the sign-in enumeration tests: a portal, an account's owner, a free address, and
// Mallory's sign-ups of both with malloryPassword, each from a fresh browser and answered alike.
func mallorySignsUp(t *testing.T, prefix string) (store *postgres.Store, srv *httptest.Server, owner account.User, free string) {
	t.Helper()
	store = testdb.Seeded(t)
	srv = accountServer(t, store, nil)
	owner = newUser(t, store, "titulaire-"+prefix, account.RoleAgent)
	free = uniqueEmail("libre-" + prefix)
	for _, email := range []string{free, owner.Email} {
		expectRedirect(t, newBrowser(t, srv).post("/inscription", url.Values{"given_name": {"M"}, "usual_name": {"M"},
			"administration": {"DINUM"}, "email": {email}, "password": {malloryPassword}}), http.StatusSeeOther, "/inscription/courriel-envoye")
	}
	return store, srv, owner, free
}

// TestTrust_AnswersDoNotWaitForTheAccount: sign-up, sign-in and the reset request answer alike whether an
// address has an account; the attack left was their timing. A free address's sign-up wrote an account, a link
// and a mail (four statements), a taken one's a mail (two); a sign-in with the right password of an unconfirmed
// account re-sent a link; a reset request for an account issued one. Each made its answer measurably slower.
// That work now runs after the answer (afterwards.go). Proof: with the rows it needs locked by another
// transaction, every answer still comes at once; once the locks go, the work is done.
func TestTrust_AnswersDoNotWaitForTheAccount(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	ctx := t.Context()
	srv, portal, tx := portalWithRowsHeld(t, store)

	owner := newUser(t, store, "titulaire-delai", account.RoleAgent)
	pending := uniqueEmail("non-confirme-delai")
	if _, _, err := store.SignUp(ctx, postgres.NewAccount{Email: pending, PasswordHash: accounttest.Hash(goodPassword),
		GivenName: "P", UsualName: "P", Administration: "DINUM"}); err != nil {
		t.Fatal(err)
	}
	free := uniqueEmail("libre-delai")
	mailsBefore := testdb.Int(t, store, `SELECT count(*) FROM mail_outbox WHERE recipient IN ($1, $2, $3)`, owner.Email, pending, free)

	// Another transaction holds the rows the work needs: the two accounts, and the free address (an insert not
	// yet committed, on which the sign-up's insert waits).
	if n := testdb.Must(tx.Exec(ctx, `UPDATE users SET given_name = given_name WHERE email IN ($1, $2)`, owner.Email, pending))(t).RowsAffected(); n != 2 {
		t.Fatalf("locked %d accounts, want 2", n)
	}
	testdb.Must(tx.Exec(ctx, `INSERT INTO users (email) VALUES ($1)`, free))(t)

	signUp := func(email string) url.Values {
		return url.Values{"given_name": {"M"}, "usual_name": {"M"}, "administration": {"DINUM"}, "email": {email}, "password": {malloryPassword}}
	}
	for _, c := range []struct {
		what, path string
		form       url.Values
		status     int
	}{
		{"sign-up of a free address", "/inscription", signUp(free), http.StatusSeeOther},
		{"sign-up of a taken address", "/inscription", signUp(owner.Email), http.StatusSeeOther},
		{"sign-in of an unconfirmed account", "/connexion", url.Values{"email": {pending}, "password": {goodPassword}}, http.StatusUnprocessableEntity},
		{"reset request for an account", "/mot-de-passe-oublie", url.Values{"email": {owner.Email}}, http.StatusSeeOther},
	} {
		b := newBrowser(t, srv)
		b.c.Timeout = 5 * time.Second // the answer waited on the locks before: the client gives up, the test fails
		if p := b.post(c.path, c.form); p.status != c.status {
			t.Errorf("%s: %d, want %d", c.what, p.status, c.status)
		}
	}
	if n := testdb.Int(t, store, `SELECT count(*) FROM mail_outbox WHERE recipient IN ($1, $2, $3)`, owner.Email, pending, free); n != mailsBefore {
		t.Errorf("%d mails queued while the rows were locked: the work ran before the answers", n-mailsBefore)
	}

	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := portal.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	if testdb.LastLink(t, store, free, "/verification/") == "" {
		t.Error("the free address's sign-up mailed no confirmation link once the locks went")
	}
	if testdb.LastLink(t, store, pending, "/verification/") == "" {
		t.Error("the unconfirmed account's sign-in mailed no new confirmation link once the locks went")
	}
	if testdb.LastLink(t, store, owner.Email, "/reinitialisation/") == "" {
		t.Error("the reset request mailed no link once the locks went")
	}
	if n := testdb.Int(t, store, `SELECT count(*) FROM mail_outbox WHERE recipient = $1`, owner.Email); n < 2 {
		t.Errorf("the owner of the taken address got %d mails, want the « already registered » one and the reset link", n)
	}
}

// TestTrust_TrainerApplicationDoesNotWaitForTheAddress: the call for trainers answers alike whether an
// application is already under review for the address typed (the owner gets a « duplicate » mail), but the work
// behind the answer differed: a new application wrote its row, its domains and a mail, a duplicate a mail only.
// Timing the answer told whether someone had applied with any address (and so who is applying to teach, not
// public), as sign-up's timing told whether an address had an account. That work now runs after the answer
// (afterwards.go). Proof as in TestTrust_AnswersDoNotWaitForTheAccount: with the address's row held by another
// transaction, the answer still comes at once; once the lock goes, the work is done.
func TestTrust_TrainerApplicationDoesNotWaitForTheAddress(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	ctx := t.Context()
	srv, portal, tx := portalWithRowsHeld(t, store)

	applicant := uniqueEmail("candidat-delai")
	// Another transaction holds the address: an application not yet committed, on which the form's insert waits.
	testdb.Must(tx.Exec(ctx, `INSERT INTO trainer_applications (email, given_name, usual_name, kind, organisation, modules, availability)
		VALUES ($1, 'X', 'X', 'externe', 'X', 'X', 'X')`, applicant))(t)

	b := newBrowser(t, srv)
	b.c.Timeout = 5 * time.Second // the answer waited on the lock before: the client gives up, the test fails
	if p := b.post("/devenir-formateur", url.Values{"given_name": {"Dominique"}, "usual_name": {"Formatrice"}, "email": {applicant},
		"kind": {"externe"}, "organisation": {"Association"}, "domains": {"data"}, "modules": {"Atelier"},
		"availability": {"Un jour par mois"}, "consent": {"oui"}}); p.status != http.StatusSeeOther {
		t.Errorf("application: %d, want 303", p.status)
	}
	if n := testdb.Int(t, store, `SELECT count(*) FROM mail_outbox WHERE recipient = $1`, applicant); n != 0 {
		t.Errorf("%d mails queued while the address was held: the work ran before the answer", n)
	}

	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := portal.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	if n := testdb.Int(t, store, `SELECT count(*) FROM trainer_applications WHERE email = $1`, applicant); n != 1 {
		t.Errorf("%d applications once the lock went, want 1", n)
	}
	if m, _ := lastMail(t, store, applicant); m.Kind != "trainer_application_received" {
		t.Errorf("mail %q once the lock went, want the acknowledgement", m.Kind)
	}
}

// portalWithRowsHeld is the portal as `serve` runs it, over store, where nothing waits for the work after the
// answer (webtest.Start's servers do), and a transaction of another connection in which a test holds the rows
// that work needs; it is rolled back at the end of the test unless the test ends it first.
func portalWithRowsHeld(t *testing.T, store *postgres.Store) (*httptest.Server, *web.Server, pgx.Tx) {
	t.Helper()
	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{"CAMPUS_BASE_URL": testBase, "CAMPUS_COOKIE_SECURE": "false", "CAMPUS_CLIENT_IP_HEADER": "X-Real-IP"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	portal := web.New(cfg, store, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(portal.Handler())
	t.Cleanup(srv.Close)
	conn, err := pgx.Connect(t.Context(), testdb.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Before srv.Close (cleanups run last first): a handler still waiting on a held row is let go.
	t.Cleanup(func() { tx.Rollback(context.Background()); conn.Close(context.Background()) })
	return srv, portal, tx
}

// TestTrust_NoTypedTextAfterTheTeamAnswers: the forms of the call for trainers and of tailored programmes take
// any address, and their acknowledgement repeats nothing typed (TestTrust_AnonymousMail). But every answer of the
// team (asking for more, declining, a request's new status) mailed the address again, opening with « Bonjour »
// and the name typed in the form, and quoting the administration typed: Mallory types her victim's address and a
// phishing line as her name, the team declines what looks like spam, and the portal delivers her line to the
// victim in a mail of the State. The team's answers now greet only the name of an account that proved the
// address, and quote nothing else the form held.
func TestTrust_NoTypedTextAfterTheTeamAnswers(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "reponses_equipe", 4)
	srv := accountServer(t, store, nil)
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	const bait = "Urgent https://hameconnage.example/campus"
	clean := func(what string, m postgres.OutboxMail) {
		t.Helper()
		if strings.Contains(m.Body, "hameconnage") || strings.Contains(m.Subject, "hameconnage") {
			t.Errorf("%s: the team's mail repeats the sender's text:\n%s", what, m.Body)
		}
	}

	t.Run("TrainerApplication", func(t *testing.T) {
		for _, decision := range []url.Values{
			{"decision": {"demander-precisions"}, "message": {"Quelles formations avez-vous animées ?"}},
			{"decision": {"refuser"}},
			{"decision": {"accepter"}},
		} {
			victim := uniqueEmail("candidate")
			expectRedirect(t, newBrowser(t, srv).post("/devenir-formateur", url.Values{"given_name": {bait}, "usual_name": {bait},
				"email": {victim}, "kind": {"externe"}, "organisation": {bait}, "domains": {"data"}, "modules": {bait},
				"availability": {bait}, "consent": {"oui"}}), http.StatusSeeOther, "/devenir-formateur/merci")
			page := "/admin/formateurs/" + testdb.String(t, store, `SELECT id::text FROM trainer_applications WHERE email = $1`, victim)
			expectRedirect(t, admin.post(page+"/decision", decision), http.StatusSeeOther, page)
			m := recentMails(t, store, victim, 1)[0]
			clean(decision.Get("decision"), m)
			if !strings.HasPrefix(m.Body, "Bonjour,") {
				t.Errorf("%s: greeting of an address nobody proved: %q", decision.Get("decision"), strings.SplitN(m.Body, "\n", 2)[0])
			}
		}
	})

	t.Run("ProgrammeRequest", func(t *testing.T) {
		victim := uniqueEmail("contact")
		if p := newBrowser(t, srv).post("/programmes-sur-mesure/demande", url.Values{"administration": {bait}, "contact_name": {bait},
			"contact_email": {victim}, "need": {bait}, "audiences": {"managers"}, "headcount": {"10"}, "domains": {"data"},
			"timing": {bait}, "consent": {"oui"}}); p.status != http.StatusSeeOther {
			t.Fatalf("request: %d %q", p.status, formMessage(p))
		}
		page := "/admin/demandes-sur-mesure/" + testdb.String(t, store, `SELECT id::text FROM programme_requests WHERE contact_email = $1`, victim)
		for _, to := range []string{"en_etude", "declinee"} {
			expectRedirect(t, admin.post(page+"/statut", url.Values{"to": {to}, "message": {"Nous revenons vers vous."}}), http.StatusSeeOther, page)
			m := recentMails(t, store, victim, 1)[0]
			clean(to, m)
		}
	})

	// An address an account has proved is greeted with that account's name, never the one typed in the form.
	t.Run("ProvenAddress", func(t *testing.T) {
		owner := testdb.User(t, store, testdb.Account{Email: uniqueEmail("titulaire"), GivenName: "Camille", UsualName: "Martin"})
		expectRedirect(t, newBrowser(t, srv).post("/devenir-formateur", url.Values{"given_name": {bait}, "usual_name": {bait},
			"email": {owner.Email}, "kind": {"externe"}, "organisation": {bait}, "domains": {"data"}, "modules": {bait},
			"availability": {bait}, "consent": {"oui"}}), http.StatusSeeOther, "/devenir-formateur/merci")
		page := "/admin/formateurs/" + testdb.String(t, store, `SELECT id::text FROM trainer_applications WHERE email = $1`, owner.Email)
		expectRedirect(t, admin.post(page+"/decision", url.Values{"decision": {"refuser"}}), http.StatusSeeOther, page)
		m := recentMails(t, store, owner.Email, 1)[0]
		clean("proven address", m)
		if !strings.HasPrefix(m.Body, "Bonjour Camille Martin,") {
			t.Errorf("greeting of a proven address: %q", strings.SplitN(m.Body, "\n", 2)[0])
		}
	})
}

// TestTrust_ApprovalMailsPerManager: an enrolment in a session that requires approval mails the address the agent
// types as their manager's. It was limited per agent only (10 an hour), not per recipient as the forms' mails are:
// Mallory, with a few accounts of her own domain, made the portal mail one inbox ten times an hour per account.
// The requests naming one address are now limited too, whoever sends them; over it the enrolment answers 429 and
// nothing is held nor mailed.
func TestTrust_ApprovalMailsPerManager(t *testing.T) {
	t.Parallel()
	e := newModuleSession(t, "presentiel", web.ApprovalRequestsPerManager+5, 10*24*time.Hour)
	if _, err := e.store.Pool().Exec(t.Context(), `UPDATE module_sessions SET approval_required = true WHERE id = $1`, e.sess); err != nil {
		t.Fatal(err)
	}
	enrol, sessID := "/modules/"+e.m.slug+"/inscription", itoa(int(e.sess))
	victim := uniqueEmail("responsable-inondee")
	for i := 0; i < web.ApprovalRequestsPerManager; i++ {
		b, _ := signedIn(t, e.srv, e.store, account.RoleAgent)
		expectRedirect(t, b.post(enrol, url.Values{"session": {sessID}, "responsable": {victim}}), http.StatusSeeOther, "/modules/"+e.m.slug+"#inscription")
	}
	b, u := signedIn(t, e.srv, e.store, account.RoleAgent)
	p := b.post(enrol, url.Values{"session": {sessID}, "responsable": {strings.ToUpper(victim)}})
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" || !strings.Contains(formMessage(p), "Trop de tentatives") {
		t.Fatalf("one request too many to one manager: %d %q", p.status, formMessage(p))
	}
	if n := testdb.Int(t, e.store, `SELECT count(*) FROM enrolments WHERE user_id = $1`, u.ID); n != 0 {
		t.Errorf("%d enrolments made over the limit", n)
	}
	if ms := recentMails(t, e.store, victim, 100); len(ms) != web.ApprovalRequestsPerManager {
		t.Errorf("%d mails to one manager in an hour, want %d", len(ms), web.ApprovalRequestsPerManager)
	}
	// Another manager is not concerned.
	expectRedirect(t, b.post(enrol, url.Values{"session": {sessID}, "responsable": {uniqueEmail("autre-responsable")}}),
		http.StatusSeeOther, "/modules/"+e.m.slug+"#inscription")
}

// TestTrust_MailsPerMailbox: the forms mail an address their sender typed at most 5 times an hour
// (TestTrust_AnonymousMail), but the count was per address as typed, and most mail services deliver
// « prenom.nom+1@… », « prenom.nom+2@… » … to the box of « prenom.nom@… »: Mallory flooded one inbox five
// mails at a time per sub-address. The count is now per mailbox.
func TestTrust_MailsPerMailbox(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	box := uniqueEmail("boite")
	local, domain, _ := strings.Cut(box, "@")
	sub := func(i int) string { return local + "+" + itoa(i) + "@" + domain }
	trainer := func(email string) url.Values {
		return url.Values{"given_name": {"Camille"}, "usual_name": {"Martin"}, "email": {email}, "kind": {"externe"},
			"organisation": {"DINUM"}, "domains": {"data"}, "modules": {"SQL"}, "availability": {"Lundi"}, "consent": {"oui"}}
	}
	for i := 1; i <= 5; i++ {
		if p := newBrowser(t, srv).post("/devenir-formateur", trainer(sub(i))); p.status != http.StatusSeeOther {
			t.Fatalf("mail %d: %d %q", i, p.status, formMessage(p))
		}
	}
	for _, to := range []string{sub(6), strings.ToUpper(local) + "+autre@" + domain, box} {
		if p := newBrowser(t, srv).post("/devenir-formateur", trainer(to)); p.status != http.StatusTooManyRequests {
			t.Errorf("sixth mail to one mailbox in an hour, to %s: %d", to, p.status)
		}
		if p := newBrowser(t, srv).post("/inscription", url.Values{"given_name": {"Camille"}, "usual_name": {"Martin"},
			"administration": {"DINUM"}, "email": {to}, "password": {goodPassword}}); p.status != http.StatusTooManyRequests {
			t.Errorf("sign-up: sixth mail to one mailbox in an hour, to %s: %d", to, p.status)
		}
	}
	// Another box is not concerned.
	if p := newBrowser(t, srv).post("/devenir-formateur", trainer(uniqueEmail("voisine"))); p.status != http.StatusSeeOther {
		t.Errorf("another mailbox: %d", p.status)
	}
}

// TestTrust_ResetDoesNotAdoptTheSquattersProfile: Mallory signs up with her victim's address, a phishing line as
// her name and an administration of her choice; the account stays unconfirmed and its name is never repeated
// (IssueToken: « the name of an unconfirmed account may have been typed by anyone »). But a password reset proves
// the mailbox, not who made the account: it confirmed the account with Mallory's profile as it was, and from then
// on every mail of the portal greeted the victim with Mallory's line — the very first being the reset's own
// « mot de passe modifié ». The profile typed before the address was proven is now dropped when a reset proves it.
func TestTrust_ResetDoesNotAdoptTheSquattersProfile(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	const bait = "Urgent https://hameconnage.example/campus"
	victimEmail := uniqueEmail("squat")
	expectRedirect(t, newBrowser(t, srv).post("/inscription", url.Values{"given_name": {bait}, "usual_name": {bait},
		"administration": {"Administration choisie par Mallory"}, "email": {victimEmail}, "password": {"le mot de passe de mallory"}}),
		http.StatusSeeOther, "/inscription/courriel-envoye")

	victim := newBrowser(t, srv)
	expectRedirect(t, victim.post("/mot-de-passe-oublie", url.Values{"email": {victimEmail}}), http.StatusSeeOther, "/mot-de-passe-oublie/courriel-envoye")
	_, resetPath := lastMail(t, store, victimEmail)
	if !strings.HasPrefix(resetPath, "/reinitialisation/") {
		t.Fatalf("no reset link: %q", resetPath)
	}
	const chosen = "une phrase de passe bien à moi"
	expectRedirect(t, victim.post(resetPath, url.Values{"password": {chosen}}), http.StatusSeeOther, "/connexion")

	for _, m := range recentMails(t, store, victimEmail, 10) {
		if strings.Contains(m.Body, "hameconnage") {
			t.Errorf("mail %s repeats what Mallory typed:\n%s", m.Kind, m.Body)
		}
	}
	u := userByEmail(t, store, victimEmail)
	if !u.Verified() || strings.Contains(u.GivenName+u.UsualName, "hameconnage") || u.Administration != "" {
		t.Errorf("the proven account kept Mallory's profile: %q %q %q (verified %v)", u.GivenName, u.UsualName, u.Administration, u.Verified())
	}
}
