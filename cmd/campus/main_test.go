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

// TestRun_EndToEnd runs the real program: migrate, seed, then serve on a random port; it fetches each page
// type over HTTP and stops the server as SIGTERM would.
func TestRun_EndToEnd(t *testing.T) {
	url := testdb.NewDatabase(t, "e2e")
	vars := env(map[string]string{"DATABASE_URL": url, "CAMPUS_ADDR": "127.0.0.1:0", "CAMPUS_LOG_LEVEL": "warn", "CAMPUS_DRAIN": "0s"})
	ctx := context.Background()
	var out bytes.Buffer
	for _, cmd := range []string{"migrate", "seed", "seed"} {
		if err := run(ctx, []string{cmd}, vars, &out, io.Discard); err != nil {
			t.Fatalf("campus %s: %v", cmd, err)
		}
	}

	sctx, stop := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- runReady(sctx, []string{"serve"}, vars, &out, io.Discard, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
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

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("graceful shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}
}

func TestRun_Errors(t *testing.T) {
	ctx := context.Background()
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
