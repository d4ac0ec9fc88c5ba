package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jackc/pgx/v5"

	"campus/internal/account"
	"campus/internal/htmlform"
	"campus/internal/postgres"
	"campus/internal/web"
)

// The client of the checks connects to nginx from this loopback address, so that the address the instances
// log can only have come from nginx's X-Real-IP (nginx itself connects to them from 127.0.0.1).
const clientIP = "127.0.0.2"

const password = "Verif-Deploiement-7qz!Lmn2"

// drain is CAMPUS_DRAIN of the instances; nginx's upstream keepalive_timeout must stay below it.
const drain = 2 * time.Second

type deployEnv struct {
	c        *checker
	dbURL    string
	store    *postgres.Store
	base     string // https://localhost:PORT
	plain    string // http://localhost:PORT (the redirect to https)
	caPool   *x509.CertPool
	a, b     *instance
	byAddr   map[string]*instance
	nginxLog string
}

func (c *checker) deploy(ctx context.Context) error {
	for _, tool := range []string{"nginx", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (Debian: apt-get install nginx openssl)", tool)
		}
	}
	d := &deployEnv{c: c}
	var err error
	c.step("fresh database, migrated and seeded")
	if d.dbURL, err = c.freshDatabase(ctx, "campus_deploy_check"); err != nil {
		return err
	}
	dbEnv := map[string]string{"DATABASE_URL": d.dbURL, "CAMPUS_LOG_LEVEL": "warn"}
	for _, cmd := range []string{"migrate", "seed"} {
		if err := c.campusCmd(ctx, dbEnv, cmd); err != nil {
			return err
		}
	}
	if d.store, err = postgres.Open(ctx, d.dbURL, 4); err != nil {
		return err
	}
	c.defer_(d.store.Close)

	if err := d.systemdUnit(ctx); err != nil {
		return err
	}
	httpsPort, httpPort, err := d.nginx(ctx)
	if err != nil {
		return err
	}
	d.base, d.plain = fmt.Sprintf("https://localhost:%d", httpsPort), fmt.Sprintf("http://localhost:%d", httpPort)
	if err := d.instances(ctx); err != nil {
		return err
	}
	c.step("through nginx (%s), as a visitor", d.base)
	d.pages()
	c.step("accounts and enrolments through nginx")
	agent, err := d.signUp(ctx)
	if err != nil {
		return err
	}
	if err := d.enrolAcross(ctx, agent); err != nil {
		return err
	}
	if err := d.adminEdit(ctx); err != nil {
		return err
	}
	c.step("rolling restart under a stream of pages and enrolments")
	return d.rollingRestart(ctx)
}

// systemdUnit checks deploy/systemd/campus@.service with systemd-analyze, when the machine has it.
func (d *deployEnv) systemdUnit(ctx context.Context) error {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		d.c.step("systemd-analyze not installed: the unit is not verified")
		return nil
	}
	unit, err := os.ReadFile(filepath.Join(d.c.root, "deploy/systemd/campus@.service"))
	if err != nil {
		return err
	}
	dir := filepath.Join(d.c.tmp, "systemd")
	os.MkdirAll(dir, 0o755)
	text := strings.ReplaceAll(string(unit), "/usr/local/bin/campus", d.c.campus)
	os.WriteFile(filepath.Join(dir, "campus@.service"), []byte(text), 0o644)
	os.Symlink("campus@.service", filepath.Join(dir, "campus@1.service"))
	out, err := exec.CommandContext(ctx, "systemd-analyze", "verify", filepath.Join(dir, "campus@1.service")).CombinedOutput()
	d.c.expect(err == nil && len(bytes.TrimSpace(out)) == 0, "systemd-analyze verify deploy/systemd/campus@.service: no warning %s", bytes.TrimSpace(out))
	return nil
}

// nginx writes a self-signed certificate and deploy/nginx/campus.conf with the check's ports, tests the
// configuration and starts Debian's nginx with it (temporary folder, unprivileged high ports, no daemon).
func (d *deployEnv) nginx(ctx context.Context) (httpsPort, httpPort int, err error) {
	c := d.c
	cert, key := filepath.Join(c.tmp, "cert.pem"), filepath.Join(c.tmp, "key.pem")
	out, err := exec.CommandContext(ctx, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
		"-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
		"-keyout", key, "-out", cert).CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("openssl: %v\n%s", err, out)
	}
	pem, _ := os.ReadFile(cert)
	d.caPool = x509.NewCertPool()
	d.caPool.AppendCertsFromPEM(pem)

	ports := make([]int, 6) // nginx https, http; instance A, B; their metrics
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return 0, 0, err
		}
	}
	d.a = &instance{name: "A", addr: fmt.Sprintf("127.0.0.1:%d", ports[2]), metrics: fmt.Sprintf("127.0.0.1:%d", ports[4]),
		logPath: filepath.Join(c.tmp, "campus-A.log")}
	d.b = &instance{name: "B", addr: fmt.Sprintf("127.0.0.1:%d", ports[3]), metrics: fmt.Sprintf("127.0.0.1:%d", ports[5]),
		logPath: filepath.Join(c.tmp, "campus-B.log")}
	d.byAddr = map[string]*instance{d.a.addr: d.a, d.b.addr: d.b}

	site, err := os.ReadFile(filepath.Join(c.root, "deploy/nginx/campus.conf"))
	if err != nil {
		return 0, 0, err
	}
	text := string(site)
	// The production site, with the check's ports and files: each line must be found, so that the file cannot
	// drift away from what the check runs.
	for _, r := range []struct{ old, new string }{
		{"server 127.0.0.1:8081 ", "server " + d.a.addr + " "},
		{"server 127.0.0.1:8082 ", "server " + d.b.addr + " "},
		{"listen 443 ssl http2;", fmt.Sprintf("listen 127.0.0.1:%d ssl http2;", ports[0])},
		{"listen [::]:443 ssl http2;", ""},
		{"listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", ports[1])},
		{"listen [::]:80;", ""},
		{"/etc/ssl/campus/fullchain.pem", cert},
		{"/etc/ssl/campus/privkey.pem", key},
	} {
		if !strings.Contains(text, r.old) {
			return 0, 0, fmt.Errorf("deploy/nginx/campus.conf no longer has %q: update the check with the site", r.old)
		}
		text = strings.Replace(text, r.old, r.new, 1)
	}
	sitePath := filepath.Join(c.tmp, "campus.conf")
	if err := os.WriteFile(sitePath, []byte(text), 0o644); err != nil {
		return 0, 0, err
	}
	d.nginxLog = filepath.Join(c.tmp, "nginx-access.log")
	mime := ""
	if _, err := os.Stat("/etc/nginx/mime.types"); err == nil {
		mime = "include /etc/nginx/mime.types;"
	}
	conf := fmt.Sprintf(`# make deploy-check: Debian's nginx, everything under %[1]s
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx-error.log warn;
events { worker_connections 1024; }
http {
    %[2]s
    log_format check '$remote_addr "$request" $status $request_id $upstream_addr $upstream_status';
    access_log %[3]s check;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[4]s;
}
`, c.tmp, mime, d.nginxLog, sitePath)
	confPath := filepath.Join(c.tmp, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return 0, 0, err
	}
	args := []string{"-p", c.tmp, "-c", confPath, "-e", filepath.Join(c.tmp, "nginx-error.log")}
	out, err = exec.CommandContext(ctx, "nginx", append(args, "-t")...).CombinedOutput()
	if !c.expect(err == nil, "nginx -t accepts deploy/nginx/campus.conf") {
		return 0, 0, fmt.Errorf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command("nginx", append(args, "-g", "daemon off;")...)
	logf, _ := os.Create(filepath.Join(c.tmp, "nginx-output.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	c.defer_(func() {
		cmd.Process.Signal(syscall.SIGQUIT) // graceful stop: the master ends its workers
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
			}
		}
		logf.Close()
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", ports[0]), time.Second); err == nil {
			conn.Close()
			break
		}
		select {
		case err := <-exited:
			return 0, 0, fmt.Errorf("nginx exited: %v\n%s", err, tail(filepath.Join(c.tmp, "nginx-error.log"), 10))
		default:
		}
		if time.Now().After(deadline) {
			return 0, 0, errors.New("nginx does not listen after 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ports[0], ports[1], nil
}

// instances starts A and B on the database, behind nginx, in production mode.
func (d *deployEnv) instances(ctx context.Context) error {
	for _, in := range []*instance{d.a, d.b} {
		in.env = map[string]string{"DATABASE_URL": d.dbURL, "CAMPUS_ADDR": in.addr, "CAMPUS_METRICS_ADDR": in.metrics,
			"CAMPUS_BASE_URL": d.base, "CAMPUS_ENV": "production", "CAMPUS_LOG_FORMAT": "json", "CAMPUS_LOG_LEVEL": "info",
			"CAMPUS_CLIENT_IP_HEADER": "X-Real-IP", "CAMPUS_DRAIN": drain.String(), "CAMPUS_SHUTDOWN_TIMEOUT": "10s",
			"CAMPUS_DB_MAX_CONNS": "8", "GOMAXPROCS": "2"}
		if err := d.c.startInstance(in); err != nil {
			return err
		}
	}
	for _, in := range []*instance{d.a, d.b} {
		if err := in.waitReady(ctx, 60*time.Second); err != nil {
			return err
		}
	}
	d.c.ok("two `campus serve` ready on one database (A %s, B %s)", d.a.addr, d.b.addr)
	return nil
}

// client is an https client of nginx that trusts the check's certificate, connects from clientIP, follows
// no redirect, and keeps its own cookies.
func (d *deployEnv) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(clientIP)}, Timeout: 5 * time.Second}
	return &http.Client{
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: d.caPool, ServerName: "localhost"},
			DialContext: dialer.DialContext, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 8},
		Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// page is an answer read whole.
type page struct {
	status int
	proto  int
	header http.Header
	body   string
	doc    *goquery.Document
	err    error
}

func (p page) id() string { return p.header.Get("X-Request-Id") }

func (p page) text(sel string) string { return strings.TrimSpace(p.doc.Find(sel).First().Text()) }

func do(cl *http.Client, method, u string, form url.Values, hdr map[string]string) page {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return page{err: err}
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := cl.Do(req)
	if err != nil {
		return page{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	p := page{status: res.StatusCode, proto: res.ProtoMajor, header: res.Header, body: string(b), err: err}
	p.doc, _ = goquery.NewDocumentFromReader(bytes.NewReader(b))
	return p
}

// served finds which instance answered a request, from its id in the instances' logs, and the client address
// it logged (a log line is written once the answer is sent: wait a little for it).
func (d *deployEnv) served(id string) (*instance, string) {
	if id == "" {
		return nil, ""
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, in := range []*instance{d.a, d.b} {
			for _, l := range grepLines(in.logPath, `"msg":"request"`, `"id":"`+id+`"`) {
				var rec struct{ Client string }
				json.Unmarshal([]byte(l), &rec)
				return in, rec.Client
			}
		}
	}
	return nil, ""
}

// formValues reads a form as a browser would submit it (htmlform).
func formValues(p page, selector string) url.Values { return htmlform.Values(p.doc.Find(selector)) }

// pages checks what a visitor gets through nginx: https only, HTTP/2, the portal's headers, static files with
// their cache headers, no metrics, and the client's address in the logs.
func (d *deployEnv) pages() {
	c, cl := d.c, d.client()
	// Plain http: a redirect to https, nothing else.
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	p := do(plain, "GET", d.plain+"/catalogue?q=donnees", nil, nil)
	c.expect(p.err == nil && p.status == http.StatusMovedPermanently && strings.HasPrefix(p.header.Get("Location"), "https://localhost") &&
		strings.HasSuffix(p.header.Get("Location"), "/catalogue?q=donnees"),
		"http:// answers 301 to the same URL in https:// (%d %s %v)", p.status, p.header.Get("Location"), p.err)

	home := do(cl, "GET", d.base+"/", nil, nil)
	c.expect(home.err == nil && home.status == 200 && home.proto == 2, "GET / over TLS and HTTP/2: %d HTTP/%d %v", home.status, home.proto, home.err)
	c.expect(strings.Contains(home.header.Get("Strict-Transport-Security"), "max-age=") &&
		strings.Contains(home.header.Get("Content-Security-Policy"), "default-src 'self'") && home.header.Get("Server") == "nginx",
		"the portal's HSTS and CSP pass through nginx, which hides its version (Server %q)", home.header.Get("Server"))
	in, client := d.served(home.id())
	c.expect(in != nil, "nginx's request id (%s) reaches the portal's logs", home.id())
	c.expect(client == clientIP, "the portal logs the client's address from nginx's X-Real-IP: %q, want %s", client, clientIP)

	for _, path := range []string{"/domaines", "/parcours", "/catalogue?q=donn%C3%A9es&format=en_ligne", "/partenaires", "/api/catalogue.json"} {
		p := do(cl, "GET", d.base+path, nil, nil)
		c.expect(p.err == nil && p.status == 200, "GET %s: %d %v", path, p.status, p.err)
	}
	css := home.doc.Find(`link[rel="stylesheet"]`).First().AttrOr("href", "")
	p = do(cl, "GET", d.base+css, nil, map[string]string{"Accept-Encoding": "gzip"})
	c.expect(strings.HasPrefix(css, "/static/") && p.status == 200 && strings.Contains(p.header.Get("Cache-Control"), "immutable") &&
		strings.Contains(p.header.Get("Cache-Control"), "max-age=31536000") && p.header.Get("Content-Encoding") == "gzip" &&
		strings.Contains(p.header.Get("Vary"), "Accept-Encoding"),
		"static file %s: cache headers and gzip passed through (%d, Cache-Control %q, Content-Encoding %q)", css, p.status,
		p.header.Get("Cache-Control"), p.header.Get("Content-Encoding"))
	p = do(cl, "GET", d.base+"/metrics", nil, nil)
	c.expect(p.status == 404, "https://…/metrics through nginx: %d, want 404", p.status)
	direct := &http.Client{Timeout: 5 * time.Second}
	for _, in := range []*instance{d.a, d.b} {
		p = do(direct, "GET", "http://"+in.addr+"/metrics", nil, nil)
		c.expect(p.status == 404, "%s's public port answers 404 on /metrics (%d)", in.name, p.status)
		p = do(direct, "GET", "http://"+in.metrics+"/metrics", nil, nil)
		c.expect(p.status == 200 && strings.Contains(p.body, "campus_http_requests_total"), "%s's metrics listener serves the metrics (%d)", in.name, p.status)
	}
	big := url.Values{"email": {"x@example.gouv.fr"}, "password": {strings.Repeat("x", 200<<10)}}
	p = do(cl, "POST", d.base+"/connexion", big, nil)
	c.expect(p.status == http.StatusRequestEntityTooLarge, "a 200 KiB form is refused by nginx (client_max_body_size): %d", p.status)
}

// signUp creates an account through nginx: the sign-up form, the confirmation link (taken over in the
// database: in production the mail's body is not kept), the password asked by the link, then sign-in.
func (d *deployEnv) signUp(ctx context.Context) (*http.Client, error) {
	c, cl := d.c, d.client()
	email := fmt.Sprintf("verif.deploiement.%d@numerique.gouv.fr", time.Now().UnixNano())
	form := do(cl, "GET", d.base+"/inscription", nil, nil)
	v := formValues(form, `form[action="/inscription"]`)
	v.Set("given_name", "Véra")
	v.Set("usual_name", "Déploiement")
	v.Set("administration", "DINUM")
	v.Set("email", email)
	v.Set("password", password)
	p := do(cl, "POST", d.base+"/inscription", v, nil)
	if !c.expect(p.status == http.StatusSeeOther, "sign-up through https: %d → %s", p.status, p.header.Get("Location")) {
		return nil, errors.New("sign-up failed: " + p.text("main"))
	}
	tok, err := d.takeOverLink(ctx, email, account.PurposeVerifyEmail)
	if err != nil {
		return nil, err
	}
	link := d.base + "/verification/" + tok
	form = do(cl, "GET", link, nil, nil)
	v = formValues(form, "main form")
	v.Set("password", password)
	p = do(cl, "POST", link, v, nil)
	c.expect(p.status == http.StatusSeeOther, "confirmation link through https: %d → %s", p.status, p.header.Get("Location"))
	cl = d.client() // a new browser: sign in
	p = d.signIn(cl, email)
	if !c.expect(p.status == http.StatusSeeOther, "sign-in through https: %d → %s", p.status, p.header.Get("Location")) {
		return nil, errors.New("sign-in failed")
	}
	p = do(cl, "GET", d.base+"/compte", nil, nil)
	c.expect(p.status == 200 && strings.Contains(p.body, "Véra Déploiement"), "/compte shows the account signed in through nginx (%d)", p.status)
	for _, ck := range cl.Jar.Cookies(mustURL(d.base)) {
		if ck.Name == web.SessionCookieName(true) {
			c.ok("the session cookie is %s (Secure, behind https)", ck.Name)
		}
	}
	return cl, nil
}

func (d *deployEnv) signIn(cl *http.Client, email string) page {
	form := do(cl, "GET", d.base+"/connexion", nil, nil)
	v := formValues(form, `form[action="/connexion"]`)
	v.Set("email", email)
	v.Set("password", password)
	return do(cl, "POST", d.base+"/connexion", v, nil)
}

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }

// target is a session open to enrolment.
type target struct {
	sessionID int64
	slug      string
	title     string
}

// targets are sessions of published modules starting in more than a week, one per module.
func (d *deployEnv) targets(ctx context.Context, n int) ([]target, error) {
	rows, err := d.store.Pool().Query(ctx, `
		SELECT DISTINCT ON (m.id) s.id, m.slug, m.title
		FROM module_sessions s JOIN modules m ON m.id = s.module_id JOIN domains dm ON dm.id = m.domain_id
		WHERE s.status = 'scheduled' AND s.starts_at > now() + interval '7 days' AND m.status = 'published' AND dm.status = 'published'
		ORDER BY m.id, s.starts_at LIMIT $1`, n)
	if err != nil {
		return nil, err
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (target, error) {
		var t target
		return t, r.Scan(&t.sessionID, &t.slug, &t.title)
	})
	if err == nil && len(ts) < n {
		err = fmt.Errorf("the seed has %d modules with an upcoming session, want %d", len(ts), n)
	}
	return ts, err
}

func enrol(cl *http.Client, base string, t target) page {
	return do(cl, "POST", base+"/modules/"+t.slug+"/inscription", url.Values{"session": {strconv.FormatInt(t.sessionID, 10)}}, nil)
}

// enrolAcross enrols through one instance and reads "Mes formations" through the other.
func (d *deployEnv) enrolAcross(ctx context.Context, cl *http.Client) error {
	c := d.c
	ts, err := d.targets(ctx, 1)
	if err != nil {
		return err
	}
	p := enrol(cl, d.base, ts[0])
	in, _ := d.served(p.id())
	if !c.expect(p.status == http.StatusSeeOther && in != nil, "enrolment POST through nginx: %d, served by %v", p.status, name(in)) {
		return errors.New("enrolment refused: " + p.text("main"))
	}
	for range 10 {
		q := do(cl, "GET", d.base+"/mes-formations", nil, nil)
		other, _ := d.served(q.id())
		if other != nil && other != in {
			c.expect(q.status == 200 && strings.Contains(q.body, ts[0].title),
				"the enrolment made through %s shows in “Mes formations” served by %s", in.name, other.name)
			return nil
		}
	}
	c.fail("nginx never sent “Mes formations” to the other instance in 10 requests")
	return nil
}

func name(in *instance) string {
	if in == nil {
		return "nobody"
	}
	return in.name
}

// adminEdit renames a domain through the back-office and reads its public page, cached by both instances
// beforehand, through each instance until both show the new title.
func (d *deployEnv) adminEdit(ctx context.Context) error {
	c := d.c
	email := "admin.deploiement@numerique.gouv.fr"
	if err := d.confirmedUsers(ctx, []string{email}); err != nil {
		return err
	}
	if err := c.campusCmd(ctx, map[string]string{"DATABASE_URL": d.dbURL, "CAMPUS_LOG_LEVEL": "warn"}, "user", "grant", "admin", email); err != nil {
		return err
	}
	cl := d.client()
	if p := d.signIn(cl, email); p.status != http.StatusSeeOther {
		return fmt.Errorf("admin sign-in: %d", p.status)
	}
	var id int64
	var slug, title string
	if err := d.store.Pool().QueryRow(ctx, `SELECT id, slug, title FROM domains WHERE status = 'published' ORDER BY position, id LIMIT 1`).
		Scan(&id, &slug, &title); err != nil {
		return err
	}
	public := d.base + "/domaines/" + slug
	visitor := d.client()
	// Both instances serve the page (and keep it in their cache) before the edit.
	seen := map[*instance]bool{}
	for i := 0; i < 12 && len(seen) < 2; i++ {
		p := do(visitor, "GET", public, nil, nil)
		if in, _ := d.served(p.id()); in != nil && p.text("h1") == title {
			seen[in] = true
		}
	}
	if !c.expect(len(seen) == 2, "both instances served and cached /domaines/%s before the edit", slug) {
		return nil
	}
	edit := fmt.Sprintf("%s/admin/domaines/%d", d.base, id)
	form := do(cl, "GET", edit, nil, nil)
	v := formValues(form, fmt.Sprintf(`main form[action="/admin/domaines/%d"]`, id))
	if v.Get("version") == "" {
		return fmt.Errorf("the edit form of domain %d has no version (%d)", id, form.status)
	}
	renamed := title + " (vérification du déploiement)"
	v.Set("title", renamed)
	p := do(cl, "POST", edit, v, nil)
	saved := time.Now()
	by, _ := d.served(p.id())
	if !c.expect(p.status == http.StatusSeeOther, "admin edit through nginx (served by %s): %d", name(by), p.status) {
		return nil
	}
	shown := map[*instance]time.Duration{}
	for time.Since(saved) < 2*time.Second && len(shown) < 2 {
		p := do(visitor, "GET", public, nil, nil)
		if in, _ := d.served(p.id()); in != nil && p.text("h1") == renamed {
			if _, ok := shown[in]; !ok {
				shown[in] = time.Since(saved)
			}
		}
	}
	c.expect(len(shown) == 2, "the new title shows at once through both instances (A after %v, B after %v)",
		shown[d.a].Round(time.Millisecond), shown[d.b].Round(time.Millisecond))
	return nil
}

// takeOverLink gives the check the pending link of purpose of the account email: the store drew its token and
// keeps only its hash, and in production the mail's body is not kept, so the check stores the hash of a token of
// its own in its place and returns that token. The link is issued after the form's answer (web's afterwards.go),
// so it is waited for, as a mail would be, for up to 5 s.
func (d *deployEnv) takeOverLink(ctx context.Context, email, purpose string) (string, error) {
	tok, hash := account.NewToken()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		tag, err := d.store.Pool().Exec(ctx, `UPDATE account_tokens SET hash = $1 WHERE purpose = $2 AND used_at IS NULL
			AND user_id = (SELECT id FROM users WHERE email = $3)`, hash, purpose, email)
		switch {
		case err == nil && tag.RowsAffected() == 1:
			return tok, nil
		case err != nil || tag.RowsAffected() > 1 || time.Now().After(deadline):
			return "", fmt.Errorf("%s left no pending %s link (%v, %d)", email, purpose, err, tag.RowsAffected())
		}
	}
}

// confirmedUsers creates accounts with proven addresses and the check's password, straight in the store.
func (d *deployEnv) confirmedUsers(ctx context.Context, emails []string) error {
	hash, err := account.HashPassword(password)
	if err != nil {
		return err
	}
	for _, e := range emails {
		if _, _, err := d.store.SignUp(ctx, postgres.NewAccount{Email: e, PasswordHash: hash, GivenName: "Agent",
			UsualName: "Vérification", Administration: "DINUM"}); err != nil {
			return err
		}
		tok, err := d.takeOverLink(ctx, e, account.PurposeVerifyEmail)
		if err != nil {
			return err
		}
		if _, err := d.store.VerifyEmail(ctx, account.HashToken(tok)); err != nil {
			return err
		}
	}
	return nil
}

// metricsSum adds up the samples of a metric name on an instance's metrics listener.
func metricsSum(in *instance, metric string) float64 {
	p := do(&http.Client{Timeout: 5 * time.Second}, "GET", "http://"+in.metrics+"/metrics", nil, nil)
	var sum float64
	for _, l := range strings.Split(p.body, "\n") {
		if strings.HasPrefix(l, metric+"{") || strings.HasPrefix(l, metric+" ") {
			f, _ := strconv.ParseFloat(l[strings.LastIndexByte(l, ' ')+1:], 64)
			sum += f
		}
	}
	return sum
}

// rollingRestart sends a bounded stream of GETs and enrolment POSTs through nginx while A, then B, get
// SIGTERM and are started again: no answer may be a 5xx or fail, and every enrolment answered must be in the
// database, once.
func (d *deployEnv) rollingRestart(ctx context.Context) error {
	c := d.c
	const agents, perAgent = 12, 8
	ts, err := d.targets(ctx, perAgent)
	if err != nil {
		return err
	}
	emails := make([]string, agents)
	for i := range emails {
		emails[i] = fmt.Sprintf("agent.roulant.%02d@numerique.gouv.fr", i)
	}
	if err := d.confirmedUsers(ctx, emails); err != nil {
		return err
	}
	clients := make([]*http.Client, agents)
	for i, e := range emails {
		clients[i] = d.client()
		if p := d.signIn(clients[i], e); p.status != http.StatusSeeOther {
			return fmt.Errorf("sign-in of %s: %d", e, p.status)
		}
	}
	var requestsAfterRestart float64 // A's request count once it is back, before it serves the rest of the stream

	type result struct {
		agent int
		t     target
		page  page
		post  bool
		path  string
	}
	var (
		mu      sync.Mutex
		results []result
		stop    atomic.Bool
		wg      sync.WaitGroup
	)
	record := func(r result) { mu.Lock(); results = append(results, r); mu.Unlock() }
	// Enrolments: each agent enrols in its sessions one after the other, paced to last through both restarts.
	for i := range agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < perAgent && ctx.Err() == nil; j++ {
				t := ts[(i+j)%perAgent]
				record(result{agent: i, t: t, page: enrol(clients[i], d.base, t), post: true})
				time.Sleep(time.Duration(900+37*i) * time.Millisecond)
			}
		}()
	}
	// Pages: anonymous visitors and signed-in agents, until the restarts are over (at most 60 s, 5,000 requests).
	paths := []string{"/", "/domaines", "/parcours", "/modules/" + ts[0].slug, "/catalogue?q=donnees", "/partenaires"}
	var gets atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			visitor := d.client()
			for n := 0; !stop.Load() && n < 1250 && ctx.Err() == nil; n++ {
				cl, path := visitor, paths[n%len(paths)]
				if n%4 == 3 {
					cl, path = clients[(w+n)%agents], "/mes-formations"
				}
				record(result{page: do(cl, "GET", d.base+path, nil, nil), path: path})
				gets.Add(1)
				time.Sleep(15 * time.Millisecond)
			}
		}()
	}

	deadline := time.AfterFunc(60*time.Second, func() { stop.Store(true) })
	defer deadline.Stop()
	restartErr := func() error {
		for _, in := range []*instance{d.a, d.b} {
			time.Sleep(1500 * time.Millisecond)
			sent := time.Now()
			in.cmd.Process.Signal(syscall.SIGTERM)
			// Straight to the instance: /readyz answers 503 from SIGTERM while pages are still served.
			var ready page
			for time.Since(sent) < drain/2 {
				if ready = do(&http.Client{Timeout: time.Second}, "GET", "http://"+in.addr+"/readyz", nil, nil); ready.status == 503 {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			c.expect(ready.status == 503, "%s: /readyz answers 503 within %v of SIGTERM (%d)", in.name, drain/2, ready.status)
			err := in.stop(syscall.SIGTERM, 30*time.Second)
			took := time.Since(sent)
			c.expect(err == nil && took >= drain, "%s stopped cleanly after its drain period (%v, exit %v)", in.name, took.Round(10*time.Millisecond), err)
			if err := c.startInstance(in); err != nil {
				return err
			}
			if err := in.waitReady(ctx, 60*time.Second); err != nil {
				return err
			}
			c.ok("%s started again and ready", in.name)
			if in == d.a {
				requestsAfterRestart = metricsSum(d.a, "campus_http_request_duration_seconds_count")
			}
		}
		time.Sleep(1500 * time.Millisecond)
		return nil
	}()
	stop.Store(true)
	wg.Wait()
	if restartErr != nil {
		return restartErr
	}

	var posts, bad int
	answered := map[[2]int64]bool{}
	var userIDs = map[int]int64{}
	for i, e := range emails {
		u, _, err := d.store.UserByEmail(ctx, e)
		if err != nil {
			return err
		}
		userIDs[i] = u.ID
	}
	for _, r := range results {
		p := r.page
		if r.post {
			posts++
			if p.err != nil || p.status != http.StatusSeeOther {
				bad++
				if bad <= 5 {
					c.fail("enrolment of agent %d in %s: %d %v", r.agent, r.t.slug, p.status, p.err)
				}
				continue
			}
			answered[[2]int64{userIDs[r.agent], r.t.sessionID}] = true
			continue
		}
		if p.err != nil || p.status != 200 {
			bad++
			if bad <= 5 {
				c.fail("GET %s: %d %v", r.path, p.status, p.err)
			}
		}
	}
	c.expect(bad == 0, "%d GETs and %d enrolment POSTs through nginx during the rolling restart: %d failed or 5xx", gets.Load(), posts, bad)

	ids := make([]int64, 0, len(userIDs))
	for _, id := range userIDs {
		ids = append(ids, id)
	}
	rows, err := d.store.Pool().Query(ctx, `SELECT user_id, session_id, count(*) FROM enrolments
		WHERE user_id = ANY($1) AND status IN ('pending', 'confirmed', 'waitlisted') GROUP BY user_id, session_id`, ids)
	if err != nil {
		return err
	}
	inDB := map[[2]int64]int{}
	for rows.Next() {
		var u, s int64
		var n int
		if err := rows.Scan(&u, &s, &n); err != nil {
			return err
		}
		inDB[[2]int64{u, s}] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	lost, dup := 0, 0
	for k := range answered {
		if inDB[k] == 0 {
			lost++
		}
	}
	for _, n := range inDB {
		if n > 1 {
			dup++
		}
	}
	c.expect(len(answered) == agents*perAgent && lost == 0 && dup == 0 && len(inDB) == len(answered),
		"every enrolment answered is in the database once: %d answered, %d rows, %d lost, %d duplicated", len(answered), len(inDB), lost, dup)

	// Both instances served the stream, before and after their restart; nginx logged no 5xx.
	for _, in := range []*instance{d.a, d.b} {
		n := len(grepLines(in.logPath, `"msg":"request"`, `"client":"`+clientIP+`"`))
		c.expect(n > 0 && len(grepLines(in.logPath, `"msg":"draining"`)) == 1, "%s logged its drain and %d requests from the client", in.name, n)
	}
	var fivexx int
	for _, l := range grepLines(d.nginxLog) {
		if regexp.MustCompile(`" 5\d\d `).MatchString(l) {
			fivexx++
		}
	}
	c.expect(fivexx == 0, "nginx's access log has no 5xx (%d)", fivexx)
	after := metricsSum(d.a, "campus_http_request_duration_seconds_count")
	c.expect(after > requestsAfterRestart && metricsSum(d.a, "campus_enrolments_total")+metricsSum(d.b, "campus_enrolments_total") > 0,
		"the metrics move: A's request histogram counted %v requests once back, %v at the end; enrolments counted", requestsAfterRestart, after)
	return nil
}

func httpClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }
