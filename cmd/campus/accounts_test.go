package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"campus/internal/account"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

func TestRun_UserGrant(t *testing.T) {
	t.Parallel()
	dbURL := testdb.NewDatabase(t, "user")
	vars := env(map[string]string{"DATABASE_URL": dbURL, "CAMPUS_LOG_LEVEL": "warn"})
	ctx := t.Context()
	if err := run(ctx, []string{"migrate"}, vars, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	store, err := postgres.Open(ctx, dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	email := "camille.martin@numerique.gouv.fr"
	if _, _, err := store.SignUp(ctx, postgres.NewAccount{Email: email, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"user", "grant", "admin", "Camille.Martin@numerique.gouv.fr"}, vars, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if u, _, err := store.UserByEmail(ctx, email); err != nil || u.Role != account.RoleAdmin {
		t.Errorf("role = %q after grant (%v)", u.Role, err)
	}
	if !strings.Contains(out.String(), "a maintenant le rôle admin") {
		t.Errorf("output %q", out.String())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "grant", "admin", "personne@numerique.gouv.fr"}, "no account"},
		{[]string{"user", "grant", "roi", email}, "unknown role"},
		{[]string{"user", "promote", email}, "expected"},
		{[]string{"user"}, "expected"},
	} {
		if err := run(ctx, c.args, vars, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want %q", c.args, err, c.want)
		}
	}
}

// TestRun_Demo: `campus demo` refuses outside development; in development it makes an agent, a trainer and an
// admin whose printed password signs them in, and a second run gives a new password that replaces the first.
func TestRun_Demo(t *testing.T) {
	t.Parallel()
	dbURL := testdb.NewDatabase(t, "demo")
	ctx := t.Context()
	if err := run(ctx, []string{"migrate"}, env(map[string]string{"DATABASE_URL": dbURL, "CAMPUS_LOG_LEVEL": "warn"}), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	prod := env(map[string]string{"DATABASE_URL": dbURL, "CAMPUS_LOG_LEVEL": "warn"})
	if err := run(ctx, []string{"demo"}, prod, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "development only") {
		t.Fatalf("demo in production: %v", err)
	}
	dev := env(map[string]string{"DATABASE_URL": dbURL, "CAMPUS_LOG_LEVEL": "warn", "CAMPUS_ENV": "development"})
	store, err := postgres.Open(ctx, dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	password := func() string {
		var out bytes.Buffer
		if err := run(ctx, []string{"demo"}, dev, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		_, pw, ok := strings.Cut(out.String(), "mot de passe : ")
		if !ok {
			t.Fatalf("no password in %q", out.String())
		}
		return strings.TrimSpace(pw)
	}
	first, second := password(), password()
	if first == second {
		t.Error("the same password twice")
	}
	for _, d := range demoAccounts {
		u, hash, err := store.UserByEmail(ctx, d.email)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != d.role || !u.Verified() || !account.VerifyPassword(hash, second) || account.VerifyPassword(hash, first) {
			t.Errorf("%s: role %s, verified %v", d.email, u.Role, u.Verified())
		}
	}
}

// fakeSMTP is a minimal SMTP server that records the messages it receives.
type fakeSMTP struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
}

func startSMTP(t *testing.T) *fakeSMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeSMTP{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 faux-smtp ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-faux-smtp")
			say("250 8BITMIME")
		case cmd == "DATA":
			say("354 go ahead")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, msg.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default: // MAIL, RCPT, RSET, NOOP
			say("250 ok")
		}
	}
}

func (s *fakeSMTP) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

// TestRun_MailDelivery: `serve` starts the sender; a sign-up's verification mail goes from the outbox to
// the SMTP relay.
func TestRun_MailDelivery(t *testing.T) {
	t.Parallel()
	smtp := startSMTP(t)
	_, port, _ := net.SplitHostPort(smtp.ln.Addr().String())
	dbURL := testdb.NewDatabase(t, "mail")
	vars := env(map[string]string{"DATABASE_URL": dbURL, "CAMPUS_ADDR": "127.0.0.1:0", "CAMPUS_LOG_LEVEL": "error",
		"CAMPUS_SMTP_HOST": "127.0.0.1", "CAMPUS_SMTP_PORT": port, "CAMPUS_SMTP_TLS": "none",
		"CAMPUS_MAIL_FROM": "Campus <ne-pas-repondre@campus.test>", "CAMPUS_COOKIE_SECURE": "false", "CAMPUS_DRAIN": "0s"})
	srv := startServe(t, vars, io.Discard)
	addr := srv.addr
	email := "nouvel.agent@numerique.gouv.fr"
	res, err := http.PostForm("http://"+addr+"/inscription", url.Values{"given_name": {"Nour"}, "usual_name": {"Agent"},
		"administration": {"DINUM"}, "email": {email}, "password": {"cheval agrafe pile correcte"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	deadline := time.Now().Add(20 * time.Second)
	for len(smtp.received()) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	msgs := smtp.received()
	if len(msgs) != 1 {
		t.Fatalf("%d mails delivered, want 1", len(msgs))
	}
	m := msgs[0]
	for _, want := range []string{"To: <" + email + ">", "From: \"Campus\" <ne-pas-repondre@campus.test>", "Bonjour,", "/verification/"} {
		if !strings.Contains(m, want) {
			t.Errorf("delivered mail lacks %q:\n%s", want, m)
		}
	}
	if !strings.Contains(m, "=?UTF-8?q?Confirmez_votre_adresse") {
		t.Errorf("no subject:\n%s", m)
	}
	srv.stop()
	srv.wait(t, 20*time.Second)
	store, err := postgres.Open(t.Context(), dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ms, err := store.RecentMails(t.Context(), email, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].SentAt == nil || ms[0].Attempts != 1 {
		t.Errorf("outbox after delivery: %+v", ms)
	}
}
