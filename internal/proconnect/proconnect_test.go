package proconnect_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"campus/internal/proconnect"
	"campus/internal/proconnect/proconnecttest"
)

// signIn runs the browser's part of the flow by hand: AuthURL, the provider's redirect, then Exchange
// with the code and the given nonce.
func signIn(t *testing.T, p *proconnecttest.Provider, c *proconnect.Client, nonce, exchangeNonce string) (proconnect.Result, error) {
	t.Helper()
	verifier := proconnect.NewVerifier()
	return signInWith(t, c, nonce, exchangeNonce, verifier, verifier)
}

// signInWith is signIn with the PKCE verifier given to AuthURL and the one given to Exchange.
func signInWith(t *testing.T, c *proconnect.Client, nonce, exchangeNonce, verifier, exchangeVerifier string) (proconnect.Result, error) {
	t.Helper()
	ctx := context.Background()
	auth, err := c.AuthURL(ctx, "etat-123", nonce, verifier)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(auth)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || back.Query().Get("state") != "etat-123" || back.Query().Get("code") == "" {
		t.Fatalf("authorize redirected to %q", res.Header.Get("Location"))
	}
	return c.Exchange(ctx, back.Query().Get("code"), exchangeNonce, exchangeVerifier)
}

func newClient(p *proconnecttest.Provider) *proconnect.Client {
	return proconnect.New(proconnect.Config{Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURL: "https://campus.test/proconnect/retour"})
}

func TestExchange(t *testing.T) {
	p := proconnecttest.New(t)
	c := newClient(p)
	r, err := signIn(t, p, c, "nonce-1", "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	id := r.Identity
	if id.Subject != "sub-agent-1" || id.Email != "agent.public@interieur.gouv.fr" || id.GivenName != "Jeanne" ||
		id.UsualName != "Durand" || id.SIRET != "11000201100044" || id.UID != "1234" || r.IDToken == "" {
		t.Errorf("identity = %+v", r)
	}
	q := p.AuthorizeRequests[0]
	if q.Get("scope") != "openid given_name usual_name email uid siret" || q.Get("nonce") != "nonce-1" || q.Get("state") != "etat-123" {
		t.Errorf("authorize request = %v", q)
	}
	// The provider announces PKCE: the request carries the verifier's S256 challenge (never the verifier).
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Has("code_verifier") {
		t.Errorf("authorize request without a PKCE S256 challenge: %v", q)
	}
	if q.Has("acr_values") {
		t.Error("authorize request carries acr_values, which ProConnect rejects")
	}

	logout, err := c.LogoutURL(context.Background(), r.IDToken, "https://campus.test/", "etat-2")
	if err != nil || !strings.HasPrefix(logout, p.Issuer+"/session/end?") {
		t.Fatalf("LogoutURL = %q, %v", logout, err)
	}
	lq, err := url.Parse(logout)
	if err != nil || lq.Query().Get("id_token_hint") != r.IDToken || lq.Query().Get("post_logout_redirect_uri") != "https://campus.test/" {
		t.Errorf("logout URL %q: %v", logout, err)
	}
}

func TestExchange_Refused(t *testing.T) {
	for name, c := range map[string]struct {
		setup func(p *proconnecttest.Provider)
		nonce string // nonce given to Exchange; "nonce-1" when empty
	}{
		"WrongNonce":    {nonce: "autre-nonce"},
		"NonceInToken":  {setup: func(p *proconnecttest.Provider) { p.Tamper = func(m map[string]any) { m["nonce"] = "falsifie" } }},
		"WrongAudience": {setup: func(p *proconnecttest.Provider) { p.Tamper = func(m map[string]any) { m["aud"] = "un-autre-service" } }},
		"Expired": {setup: func(p *proconnecttest.Provider) {
			p.Tamper = func(m map[string]any) { m["exp"] = time.Now().Add(-time.Minute).Unix() }
		}},
		"WrongIssuer": {setup: func(p *proconnecttest.Provider) {
			p.Tamper = func(m map[string]any) { m["iss"] = "https://faux.example.org" }
		}},
		"UnknownKey":        {setup: func(p *proconnecttest.Provider) { p.SignWithUnknownKey = true }},
		"UserInfoNotSigned": {setup: func(p *proconnecttest.Provider) { p.UserInfoPlainJSON = true }},
		"UserInfoOtherSub": {setup: func(p *proconnecttest.Provider) {
			p.TamperUserInfo = func(m map[string]any) { m["sub"] = "quelqu-un-d-autre" }
		}},
		"UserInfoOtherAud": {setup: func(p *proconnecttest.Provider) { p.TamperUserInfo = func(m map[string]any) { m["aud"] = "autre" } }},
		"UserInfoBadEmail": {setup: func(p *proconnecttest.Provider) {
			p.TamperUserInfo = func(m map[string]any) { m["email"] = "pas-une-adresse" }
		}},
	} {
		t.Run(name, func(t *testing.T) {
			p := proconnecttest.New(t)
			if c.setup != nil {
				c.setup(p)
			}
			nonce := c.nonce
			if nonce == "" {
				nonce = "nonce-1"
			}
			r, err := signIn(t, p, newClient(p), "nonce-1", nonce)
			if err == nil {
				t.Fatalf("accepted: %+v", r.Identity)
			}
			if !errors.Is(err, proconnect.ErrRefused) {
				t.Errorf("error %v is not ErrRefused", err)
			}
		})
	}
}

// TestExchange_PKCE: a code obtained for one flow (intercepted, or injected into another browser's callback) is
// worth nothing without that flow's verifier; a provider that does not announce PKCE gets no challenge (ProConnect
// has refused extra authorize parameters) and the flow still works.
func TestExchange_PKCE(t *testing.T) {
	t.Run("OtherVerifier", func(t *testing.T) {
		p := proconnecttest.New(t)
		if r, err := signInWith(t, newClient(p), "n", "n", proconnect.NewVerifier(), proconnect.NewVerifier()); err == nil {
			t.Fatalf("a code was exchanged with another flow's verifier: %+v", r.Identity)
		}
	})
	t.Run("NoVerifier", func(t *testing.T) {
		p := proconnecttest.New(t)
		if r, err := signInWith(t, newClient(p), "n", "n", proconnect.NewVerifier(), ""); err == nil {
			t.Fatalf("a code was exchanged without a verifier: %+v", r.Identity)
		}
	})
	t.Run("ProviderWithoutPKCE", func(t *testing.T) {
		p := proconnecttest.New(t)
		p.NoPKCE = true
		if _, err := signIn(t, p, newClient(p), "n", "n"); err != nil {
			t.Fatal(err)
		}
		if q := p.AuthorizeRequests[0]; q.Has("code_challenge") || q.Has("code_challenge_method") {
			t.Errorf("PKCE parameters sent to a provider that does not announce PKCE: %v", q)
		}
	})
}

func TestExchange_CodeReplay(t *testing.T) {
	p := proconnecttest.New(t)
	c := newClient(p)
	ctx := context.Background()
	if _, err := c.Exchange(ctx, "code-invente", "nonce", proconnect.NewVerifier()); err == nil {
		t.Fatal("an unknown code was accepted")
	}
}

func TestDiscoveryFailureIsRetried(t *testing.T) {
	p := proconnecttest.New(t)
	c := proconnect.New(proconnect.Config{Issuer: p.Issuer + "/inexistant", ClientID: "x", ClientSecret: "y"})
	if _, err := c.AuthURL(context.Background(), "s", "n", "v"); err == nil {
		t.Fatal("discovery of a wrong issuer succeeded")
	}
}
