// Package proconnecttest is a fake ProConnect for tests: an httptest server serving the discovery document,
// the JWKS, the authorize endpoint (which consents at once), the token endpoint, a userinfo endpoint that
// answers a signed JWT, and the end-session endpoint. It signs with an RS256 key generated at start, and
// lets a test tamper with the tokens to check that the portal refuses them.
package proconnecttest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Identity is the person the fake provider signs in.
type Identity struct {
	Sub, Email, GivenName, UsualName, UID, SIRET string
}

// Provider is the fake ProConnect.
type Provider struct {
	Server       *httptest.Server
	Issuer       string
	ClientID     string
	ClientSecret string

	key   *rsa.PrivateKey
	other *rsa.PrivateKey // a key the JWKS does not publish

	mu       sync.Mutex
	identity Identity
	codes    map[string]grant
	tokens   map[string]grant

	// Tamper, when set, edits the ID token's claims before signing (e.g. a wrong nonce, audience, expiry).
	Tamper func(claims map[string]any)
	// TamperUserInfo, when set, edits the userinfo claims before signing.
	TamperUserInfo func(claims map[string]any)
	// UserInfoPlainJSON serves userinfo as unsigned JSON instead of a JWT.
	UserInfoPlainJSON bool
	// SignWithUnknownKey signs the ID token with a key absent from the JWKS.
	SignWithUnknownKey bool
	// NoPKCE makes the provider behave as one that does not support PKCE: the discovery document does not
	// announce it and an authorize request carrying a code_challenge is refused.
	NoPKCE bool

	// AuthorizeRequests and EndSessionRequests record the query of each call, for assertions; TokenStatuses the
	// status the token endpoint answered each call with.
	AuthorizeRequests  []url.Values
	EndSessionRequests []url.Values
	TokenStatuses      []int
}

type grant struct {
	nonce, redirect, challenge string
	identity                   Identity
}

// New starts a fake provider, stopped at the end of the test.
func New(t testing.TB) *Provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{ClientID: "campus-client", ClientSecret: "campus-secret", key: key, other: other,
		codes: map[string]grant{}, tokens: map[string]grant{},
		identity: Identity{Sub: "sub-agent-1", Email: "agent.public@interieur.gouv.fr", GivenName: "Jeanne",
			UsualName: "Durand", UID: "1234", SIRET: "11000201100044"}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /api/v2/jwks", p.jwks)
	mux.HandleFunc("GET /api/v2/authorize", p.authorize)
	mux.HandleFunc("POST /api/v2/token", p.token)
	mux.HandleFunc("GET /api/v2/userinfo", p.userinfo)
	mux.HandleFunc("GET /api/v2/session/end", p.endSession)
	p.Server = httptest.NewServer(mux)
	p.Issuer = p.Server.URL + "/api/v2"
	t.Cleanup(p.Server.Close)
	return p
}

// SignIn sets the identity of the next sign-ins.
func (p *Provider) SignIn(id Identity) {
	p.mu.Lock()
	p.identity = id
	p.mu.Unlock()
}

// s256 is the PKCE S256 challenge of a verifier.
func s256(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func random() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	doc := map[string]any{
		"issuer":                                p.Issuer,
		"authorization_endpoint":                p.Issuer + "/authorize",
		"token_endpoint":                        p.Issuer + "/token",
		"userinfo_endpoint":                     p.Issuer + "/userinfo",
		"jwks_uri":                              p.Issuer + "/jwks",
		"end_session_endpoint":                  p.Issuer + "/session/end",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		"userinfo_signing_alg_values_supported": []string{"RS256", "ES256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post"},
		"scopes_supported":                      []string{"openid", "given_name", "usual_name", "email", "uid", "siret", "idp_id"},
	}
	if !p.NoPKCE {
		doc["code_challenge_methods_supported"] = []string{"S256"}
	}
	writeJSON(w, doc)
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "cle-1", Algorithm: "RS256", Use: "sig"}}})
}

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	p.AuthorizeRequests = append(p.AuthorizeRequests, q)
	p.mu.Unlock()
	if q.Get("client_id") != p.ClientID || q.Get("response_type") != "code" || q.Get("redirect_uri") == "" {
		http.Error(w, "bad authorize request", http.StatusBadRequest)
		return
	}
	if p.NoPKCE && (q.Has("code_challenge") || q.Has("code_challenge_method")) {
		http.Error(w, "unknown parameter code_challenge", http.StatusBadRequest)
		return
	}
	if !p.NoPKCE && q.Get("code_challenge_method") != "S256" {
		http.Error(w, "PKCE (S256) required", http.StatusBadRequest)
		return
	}
	code := random()
	p.mu.Lock()
	p.codes[code] = grant{nonce: q.Get("nonce"), redirect: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), identity: p.identity}
	p.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (p *Provider) sign(claims map[string]any, key *rsa.PrivateKey) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "cle-1"))
	if err != nil {
		panic(err)
	}
	payload, _ := json.Marshal(claims)
	obj, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return s
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	g, ok := p.codes[r.PostForm.Get("code")]
	delete(p.codes, r.PostForm.Get("code")) // single use
	p.mu.Unlock()
	if !ok || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != g.redirect ||
		r.PostForm.Get("client_id") != p.ClientID || r.PostForm.Get("client_secret") != p.ClientSecret ||
		(g.challenge != "" && s256(r.PostForm.Get("code_verifier")) != g.challenge) {
		p.mu.Lock()
		p.TokenStatuses = append(p.TokenStatuses, http.StatusBadRequest)
		p.mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]string{"error": "invalid_grant"})
		return
	}
	access := random()
	p.mu.Lock()
	p.tokens[access] = g
	p.TokenStatuses = append(p.TokenStatuses, http.StatusOK)
	p.mu.Unlock()
	now := time.Now()
	claims := map[string]any{"iss": p.Issuer, "sub": g.identity.Sub, "aud": p.ClientID, "exp": now.Add(time.Minute).Unix(),
		"iat": now.Unix(), "nonce": g.nonce, "acr": "eidas1", "amr": []string{"pwd"}, "idp_id": "fia1v2"}
	if p.Tamper != nil {
		p.Tamper(claims)
	}
	key := p.key
	if p.SignWithUnknownKey {
		key = p.other
	}
	writeJSON(w, map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 60,
		"id_token": p.sign(claims, key), "scope": "openid given_name usual_name email uid siret"})
}

func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	p.mu.Lock()
	g, ok := p.tokens[h[min(len(prefix), len(h)):]]
	p.mu.Unlock()
	if len(h) <= len(prefix) || !ok {
		http.Error(w, "invalid_token", http.StatusUnauthorized)
		return
	}
	claims := map[string]any{"sub": g.identity.Sub, "email": g.identity.Email, "given_name": g.identity.GivenName,
		"usual_name": g.identity.UsualName, "uid": g.identity.UID, "siret": g.identity.SIRET,
		"iss": p.Issuer, "aud": p.ClientID, "iat": time.Now().Unix()}
	if p.TamperUserInfo != nil {
		p.TamperUserInfo(claims)
	}
	if p.UserInfoPlainJSON {
		writeJSON(w, claims)
		return
	}
	w.Header().Set("Content-Type", "application/jwt; charset=utf-8")
	w.Write([]byte(p.sign(claims, p.key)))
}

func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	p.EndSessionRequests = append(p.EndSessionRequests, q)
	p.mu.Unlock()
	back, err := url.Parse(q.Get("post_logout_redirect_uri"))
	if err != nil || q.Get("id_token_hint") == "" {
		http.Error(w, "bad logout request", http.StatusBadRequest)
		return
	}
	bq := back.Query()
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}
