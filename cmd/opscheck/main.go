// Command opscheck runs the operations checks of `make deploy-check` and `make backup-check` against the real
// binary (bin/campus), the project's private PostgreSQL (scripts/devdb.sh) and, for deploy, Debian's nginx:
//
//	opscheck [-campus bin/campus] deploy   nginx (TLS, HTTP/2) in front of two `campus serve`, rolling restart
//	opscheck [-campus bin/campus] backup   dump a running database, restore it, migrate it, compare row counts
//
// Every check prints one line (ok or FAIL); any failure, or an error that stops the run, exits non-zero. The
// processes it starts (instances, nginx) are stopped and its temporary folder and databases removed on the way
// out, whatever the outcome.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	campus := flag.String("campus", "bin/campus", "the campus binary to run")
	keep := flag.Bool("keep", false, "keep the temporary folder (configuration, logs) for inspection")
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "usage: opscheck [-campus bin/campus] [-keep] deploy|backup") }
	flag.Parse()
	if flag.NArg() != 1 || (flag.Arg(0) != "deploy" && flag.Arg(0) != "backup") {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := newChecker(flag.Arg(0)+"-check", *campus, *keep)
	if err != nil {
		fmt.Fprintln(os.Stderr, "opscheck:", err)
		os.Exit(1)
	}
	start := time.Now()
	if flag.Arg(0) == "deploy" {
		err = c.deploy(ctx)
	} else {
		err = c.backup(ctx)
	}
	if err != nil {
		c.fail("stopped: %v", err)
	}
	c.cleanup()
	fmt.Printf("%s: took %v\n", c.name, time.Since(start).Round(100*time.Millisecond))
	fmt.Printf("%s: %d passed, %d failed\n", c.name, c.passed, c.failed)
	if c.failed > 0 {
		os.Exit(1)
	}
}

// checker counts the checks and holds what must be undone at the end.
type checker struct {
	name     string
	campus   string // absolute path of the binary
	root     string // the checkout (scripts/devdb.sh)
	tmp      string
	keep     bool
	mu       sync.Mutex
	passed   int
	failed   int
	cleanups []func()
}

func newChecker(name, campus string, keep bool) (*checker, error) {
	bin, err := filepath.Abs(campus)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%s: %w (run `make build` first)", campus, err)
	}
	root, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "scripts/devdb.sh")); err != nil {
		return nil, errors.New("run opscheck from the checkout's root (scripts/devdb.sh not found)")
	}
	tmp, err := os.MkdirTemp("", "campus-"+name+"-")
	if err != nil {
		return nil, err
	}
	// nginx's workers (nobody, when the master is root) read and write under it.
	os.Chmod(tmp, 0o755)
	c := &checker{name: name, campus: bin, root: root, tmp: tmp, keep: keep}
	fmt.Printf("%s: working in %s\n", name, tmp)
	return c, nil
}

func (c *checker) ok(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.passed++
	fmt.Printf("  ok    %s\n", fmt.Sprintf(format, args...))
}

func (c *checker) fail(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed++
	fmt.Printf("  FAIL  %s\n", fmt.Sprintf(format, args...))
}

// expect records a check: ok when cond holds, FAIL otherwise; it returns cond.
func (c *checker) expect(cond bool, format string, args ...any) bool {
	if cond {
		c.ok(format, args...)
	} else {
		c.fail(format, args...)
	}
	return cond
}

func (c *checker) step(format string, args ...any) {
	fmt.Printf("%s: %s\n", c.name, fmt.Sprintf(format, args...))
}

// defer_ runs f at cleanup, last registered first.
func (c *checker) defer_(f func()) { c.cleanups = append(c.cleanups, f) }

func (c *checker) cleanup() {
	for i := len(c.cleanups) - 1; i >= 0; i-- {
		c.cleanups[i]()
	}
	c.cleanups = nil
	if c.keep || c.failed > 0 {
		fmt.Printf("%s: configuration and logs kept in %s\n", c.name, c.tmp)
		return
	}
	os.RemoveAll(c.tmp)
}

// devdbURL is the URL of a database of the private cluster (created when missing).
func (c *checker) devdbURL(ctx context.Context, name string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.root, "scripts/devdb.sh"), "url", name)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("scripts/devdb.sh url %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// devdbBin is the folder of the private cluster's PostgreSQL binaries (pg_dump of the server's version).
func (c *checker) devdbBin(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, filepath.Join(c.root, "scripts/devdb.sh"), "bin").Output()
	if err != nil {
		return "", fmt.Errorf("scripts/devdb.sh bin: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// freshDatabase drops and creates a database of the private cluster, and drops it at cleanup.
func (c *checker) freshDatabase(ctx context.Context, name string) (string, error) {
	adminURL, err := c.devdbURL(ctx, "postgres")
	if err != nil {
		return "", err
	}
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", err
	}
	c.defer_(func() {
		if c.keep {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, adminURL); err == nil {
			conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
			conn.Close(ctx)
		}
	})
	u := strings.Replace(adminURL, "/postgres?", "/"+name+"?", 1)
	if u == adminURL {
		return "", fmt.Errorf("unexpected URL of the private cluster: %s", adminURL)
	}
	return u, nil
}

// campusCmd runs a campus command to its end (migrate, seed, user …) with env.
func (c *checker) campusCmd(ctx context.Context, env map[string]string, args ...string) error {
	cmd := exec.CommandContext(ctx, c.campus, args...)
	cmd.Env = campusEnv(env)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("campus %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// campusEnv is this process's environment without any campus setting, plus env.
func campusEnv(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CAMPUS_") || strings.HasPrefix(kv, "DATABASE_URL=") {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// freePort is a loopback port nobody listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// instance is one `campus serve` process.
type instance struct {
	name, addr, metrics string
	logPath             string
	env                 map[string]string
	cmd                 *exec.Cmd
	exited              chan error
	exitErr             error
}

// startInstance starts `campus serve`; its output goes (appended, across restarts) to its log file.
func (c *checker) startInstance(in *instance) error {
	f, err := os.OpenFile(in.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(c.campus, "serve")
	cmd.Env = campusEnv(in.env)
	cmd.Stdout, cmd.Stderr = f, f
	// Killed with the check, should the check itself be killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return err
	}
	in.cmd, in.exited = cmd, make(chan error, 1)
	go func() { err := cmd.Wait(); f.Close(); in.exited <- err }()
	c.defer_(func() { in.stop(syscall.SIGKILL, 0) })
	return nil
}

// running reports whether the process is alive.
func (in *instance) running() bool {
	if in.cmd == nil || in.exited == nil {
		return false
	}
	select {
	case err := <-in.exited:
		in.exitErr, in.exited = err, nil
		return false
	default:
		return true
	}
}

// stop sends sig and waits for the process to end (up to within, then SIGKILL); it returns the exit error.
func (in *instance) stop(sig syscall.Signal, within time.Duration) error {
	if !in.running() {
		return in.exitErr
	}
	in.cmd.Process.Signal(sig)
	select {
	case err := <-in.exited:
		in.exitErr, in.exited = err, nil
		return err
	case <-time.After(within):
		in.cmd.Process.Kill()
		in.exitErr, in.exited = <-in.exited, nil
		return fmt.Errorf("%s did not stop within %v after %v", in.name, within, sig)
	}
}

// waitReady polls the instance's /readyz (straight, not through nginx) until it answers 200.
func (in *instance) waitReady(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	client := &http.Client{Timeout: time.Second}
	for {
		if !in.running() {
			return fmt.Errorf("%s exited (%v):\n%s", in.name, in.exitErr, tail(in.logPath, 15))
		}
		if res, err := client.Get("http://" + in.addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %v:\n%s", in.name, within, tail(in.logPath, 15))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// tail is the last n lines of a file.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// grepLines returns the lines of a file that contain every one of subs.
func grepLines(path string, subs ...string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
next:
	for sc.Scan() {
		for _, s := range subs {
			if !strings.Contains(sc.Text(), s) {
				continue next
			}
		}
		out = append(out, sc.Text())
	}
	return out
}
