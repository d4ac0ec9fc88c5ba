// Package proconnect signs public agents in through ProConnect, the State's OpenID Connect federation:
// authorization code flow with state, nonce and PKCE (S256, whenever the provider's discovery document lists
// it in code_challenge_methods_supported: a provider that does not announce PKCE may refuse the extra
// parameters), ID token verified (signature, issuer, audience, expiry,
// nonce), userinfo fetched as a signed JWT and verified with the provider's keys, logout through the
// provider's end-session endpoint with id_token_hint.
package proconnect

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"campus/internal/account"
	"campus/internal/input"
)

// Scopes asked of ProConnect.
var Scopes = []string{oidc.ScopeOpenID, "given_name", "usual_name", "email", "uid", "siret"}

// Config is the client registration.
type Config struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string       // absolute URL of the callback
	HTTPClient   *http.Client // nil: a client with a 10 s timeout
}

// Client talks to ProConnect. The discovery document is fetched on first use (and again after a failure),
// so that the portal starts even when the provider is unreachable.
type Client struct {
	cfg Config

	mu         sync.Mutex
	provider   *oidc.Provider
	keys       *oidc.RemoteKeySet
	endSession string
	userinfo   string
	pkce       bool // the provider announces S256
}

// New returns a client; nothing is fetched yet.
func New(cfg Config) *Client {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Client{cfg: cfg}
}

// ErrRefused is returned when the provider's answer cannot be trusted or is incomplete.
var ErrRefused = errors.New("proconnect: réponse du fournisseur d’identité refusée")

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

func (c *Client) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, c.cfg.HTTPClient)
}

func (c *Client) discover(ctx context.Context) (*oidc.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c.provider, nil
	}
	p, err := oidc.NewProvider(c.ctx(ctx), c.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("proconnect: discovery: %w", err)
	}
	var meta struct {
		JWKS       string   `json:"jwks_uri"`
		EndSession string   `json:"end_session_endpoint"`
		UserInfo   string   `json:"userinfo_endpoint"`
		PKCE       []string `json:"code_challenge_methods_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("proconnect: discovery: %w", err)
	}
	if meta.JWKS == "" || meta.UserInfo == "" {
		return nil, errors.New("proconnect: discovery: no jwks_uri or userinfo_endpoint")
	}
	c.provider, c.endSession, c.userinfo = p, meta.EndSession, meta.UserInfo
	c.pkce = contains(meta.PKCE, "S256")
	c.keys = oidc.NewRemoteKeySet(c.ctx(context.Background()), meta.JWKS)
	return p, nil
}

func (c *Client) oauth(p *oidc.Provider) *oauth2.Config {
	e := p.Endpoint()
	e.AuthStyle = oauth2.AuthStyleInParams // client_secret_post
	return &oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, Endpoint: e,
		RedirectURL: c.cfg.RedirectURL, Scopes: Scopes}
}

// NewVerifier returns a fresh PKCE code verifier, to keep in the session with the state and the nonce.
func NewVerifier() string { return oauth2.GenerateVerifier() }

// AuthURL is where to send the browser to sign in; state, nonce and verifier must be kept in the session. The
// verifier's S256 challenge is sent when the provider announces PKCE.
func (c *Client) AuthURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce)}
	if c.pkce {
		opts = append(opts, oauth2.S256ChallengeOption(verifier))
	}
	return c.oauth(p).AuthCodeURL(state, opts...), nil
}

// Result is a verified sign-in.
type Result struct {
	Identity account.ExternalIdentity
	IDToken  string // raw, kept in the session for the logout's id_token_hint
}

// Exchange trades the authorization code for tokens (with the PKCE verifier of the flow, when the provider
// announces PKCE), verifies the ID token (signature, issuer, audience, expiry) and its nonce, then fetches the
// userinfo JWT, verifies its signature and that it describes the same subject.
func (c *Client) Exchange(ctx context.Context, code, nonce, verifier string) (Result, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return Result{}, err
	}
	var opts []oauth2.AuthCodeOption
	if c.pkce {
		if verifier == "" {
			return Result{}, refused("no PKCE verifier for this flow")
		}
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	tok, err := c.oauth(p).Exchange(c.ctx(ctx), code, opts...)
	if err != nil {
		return Result{}, fmt.Errorf("proconnect: token: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Result{}, refused("no id_token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: c.cfg.ClientID, SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256}}).Verify(c.ctx(ctx), raw)
	if err != nil {
		return Result{}, refused("id_token: %v", err)
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return Result{}, refused("id_token: nonce mismatch")
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Result{}, refused("id_token: %v", err)
		}
	}
	claims, err := c.fetchUserInfo(ctx, tok.AccessToken)
	if err != nil {
		return Result{}, err
	}
	if claims.Subject != idt.Subject {
		return Result{}, refused("userinfo: sub %q differs from the id_token's", claims.Subject)
	}
	if claims.Issuer != "" && claims.Issuer != c.cfg.Issuer {
		return Result{}, refused("userinfo: issuer %q", claims.Issuer)
	}
	if len(claims.Audience) > 0 && !contains(claims.Audience, c.cfg.ClientID) {
		return Result{}, refused("userinfo: audience %v", []string(claims.Audience))
	}
	id, err := claims.identity()
	if err != nil {
		return Result{}, err
	}
	return Result{Identity: id, IDToken: raw}, nil
}

type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*a = many
	return err
}

type userInfo struct {
	Issuer    string   `json:"iss"`
	Audience  audience `json:"aud"`
	Subject   string   `json:"sub"`
	Email     string   `json:"email"`
	GivenName string   `json:"given_name"`
	UsualName string   `json:"usual_name"`
	UID       string   `json:"uid"`
	SIRET     string   `json:"siret"`
}

var siretPattern = regexp.MustCompile(`^[0-9]{14}$`)

func (u userInfo) identity() (account.ExternalIdentity, error) {
	email := account.NormalizeEmail(u.Email)
	if u.Subject == "" || len(u.Subject) > 255 {
		return account.ExternalIdentity{}, refused("userinfo: no usable sub")
	}
	if msg := account.CheckEmail(email); msg != "" {
		return account.ExternalIdentity{}, refused("userinfo: email %q: %s", u.Email, msg)
	}
	clean := func(s string, max int) string {
		v, msg := input.Line(s, "", max*4, false)
		if msg != "" {
			return ""
		}
		return account.Truncate(v, max)
	}
	id := account.ExternalIdentity{Subject: u.Subject, Email: email, GivenName: clean(u.GivenName, account.MaxName),
		UsualName: clean(u.UsualName, account.MaxName), UID: clean(u.UID, 255)}
	if siretPattern.MatchString(u.SIRET) {
		id.SIRET = u.SIRET
	}
	return id, nil
}

// fetchUserInfo gets the userinfo response, which must be a JWT signed with one of the provider's keys.
func (c *Client) fetchUserInfo(ctx context.Context, accessToken string) (userInfo, error) {
	var u userInfo
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.userinfo, nil)
	if err != nil {
		return u, err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	res, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return u, fmt.Errorf("proconnect: userinfo: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return u, fmt.Errorf("proconnect: userinfo: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return u, fmt.Errorf("proconnect: userinfo: %s", res.Status)
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/jwt" {
		return u, refused("userinfo: content type %q, want a signed JWT", mt)
	}
	payload, err := c.keys.VerifySignature(c.ctx(ctx), string(body))
	if err != nil {
		return u, refused("userinfo: %v", err)
	}
	if err := json.Unmarshal(payload, &u); err != nil {
		return u, refused("userinfo: %v", err)
	}
	return u, nil
}

// LogoutURL is where to send the browser to end the ProConnect session too; "" when the provider has no
// end-session endpoint.
func (c *Client) LogoutURL(ctx context.Context, idToken, postLogoutRedirect, state string) (string, error) {
	if _, err := c.discover(ctx); err != nil {
		return "", err
	}
	if c.endSession == "" {
		return "", nil
	}
	u, err := url.Parse(c.endSession)
	if err != nil {
		return "", fmt.Errorf("proconnect: end_session_endpoint: %w", err)
	}
	q := u.Query()
	q.Set("id_token_hint", idToken)
	q.Set("state", state)
	q.Set("post_logout_redirect_uri", postLogoutRedirect)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
