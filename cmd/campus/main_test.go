package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"campus/internal/testdb"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// runAll runs the program's commands one after the other (migrate, seed…), failing the test on an error.
func runAll(t *testing.T, vars func(string) string, out io.Writer, cmds ...string) {
	t.Helper()
	for _, cmd := range cmds {
		if err := run(t.Context(), []string{cmd}, vars, out, io.Discard); err != nil {
			t.Fatalf("campus %s: %v", cmd, err)
		}
	}
}

// serving is a `campus serve` a test started: its address, and stop, which does what SIGTERM does.
type serving struct {
	addr string
	stop context.CancelFunc
	done chan error
}

// startServe runs `campus serve` configured by vars and waits until it listens; it is stopped at the end of
// the test if the test did not stop it.
func startServe(t *testing.T, vars func(string) string, out io.Writer) *serving {
	t.Helper()
	ctx, stop := context.WithCancel(t.Context())
	t.Cleanup(stop)
	s := &serving{stop: stop, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() { s.done <- runReady(ctx, []string{"serve"}, vars, out, io.Discard, ready) }()
	select {
	case s.addr = <-ready:
	case err := <-s.done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return s
}

// wait waits for serve to end once stopped, for at most within, and fails the test on its error.
func (s *serving) wait(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(within):
		t.Fatal("serve did not stop")
	}
}

// TestRun_EndToEnd runs the real program: migrate, seed, then serve on a random port; it fetches each page
// type over HTTP and stops the server as SIGTERM would.
func TestRun_EndToEnd(t *testing.T) {
	t.Parallel()
	url := testdb.NewDatabase(t, "e2e")
	vars := env(map[string]string{"DATABASE_URL": url, "CAMPUS_ADDR": "127.0.0.1:0", "CAMPUS_LOG_LEVEL": "warn", "CAMPUS_DRAIN": "0s"})
	var out bytes.Buffer
	runAll(t, vars, &out, "migrate", "seed", "seed")
	srv := startServe(t, vars, &out)
	addr := srv.addr
	if !strings.Contains(out.String(), "Campus est en ligne : http://"+addr) {
		t.Errorf("serve printed %q, want the URL", out.String())
	}

	for path, want := range map[string]int{
		"/": 200, "/domaines": 200, "/domaines/cybersecurite": 200, "/parcours": 200, "/modules/inconnu": 404,
		"/programmes-sur-mesure": 200, "/partenaires": 200, "/partenaires/inria": 200, "/accessibilite": 200,
		"/plan-du-site": 200, "/healthz": 200, "/readyz": 200,
	} {
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, res.StatusCode, want)
		}
	}

	srv.stop()
	srv.wait(t, 20*time.Second)
}

func TestRun_Errors(t *testing.T) {
	ctx := t.Context()
	for name, c := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"NoCommand":      {nil, nil, "no command"},
		"UnknownCommand": {[]string{"fly"}, nil, "unknown command"},
		"NoDatabase":     {[]string{"serve"}, nil, "DATABASE_URL is not set"},
		"BadConfig":      {[]string{"serve"}, map[string]string{"CAMPUS_ADDR": "nowhere", "CAMPUS_ENV": "staging"}, "CAMPUS_ENV"},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(ctx, c.args, env(c.env), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}
