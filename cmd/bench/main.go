// Command bench is the load generator behind `make bench`: it starts the real portal binary on loopback over a
// prepared database, drives each scenario with a fixed number of keep-alive connections for a fixed time
// (a closed loop, like wrk), and prints requests/s, p50/p95/p99 latency, errors and the peak RSS of the
// server, each dynamic page also as a fraction of the ceiling: the home page's own bytes served as a static
// response by the same server (`campus serve` with CAMPUS_BENCH_CEILING=true exposes them at /_plafond).
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type scenario struct {
	name   string
	method string
	path   string
	body   string
	// static: not compared with the ceiling (the ceiling itself, static assets)
	static bool
	// gzip: ask for a compressed response, as browsers do (the bytes counted are the compressed ones)
	gzip bool
	// header, when set, gives worker w's extra header lines ("Cookie: …\r\n"): a signed-in GET scenario
	header func(w int) string
	// step, when set, is one timed operation of worker w with its own client (signed-in scenarios): it returns
	// the latency to record and whether it succeeded (inscription.go).
	step func(w int) (time.Duration, bool, error)
	// signedIn: a signed-in page (compared with the ceiling like the anonymous ones)
	signedIn bool
	// conns, when set, replaces the number of connections (the uncached search measures one search at a time)
	conns int
	// kind says which target the scenario is checked against (targets.go): "" for the pages
	kind string
}

type result struct {
	scenario
	requests int
	errors   int
	elapsed  time.Duration
	lat      []time.Duration
	bytes    int64
	peakRSS  int64
}

func (r result) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(p * float64(len(r.lat)-1))
	return r.lat[i]
}

func run() error {
	bin := flag.String("bin", "bin/campus", "portal binary")
	conns := flag.Int("c", 64, "concurrent connections")
	dur := flag.Duration("d", 10*time.Second, "duration of each scenario")
	warm := flag.Duration("warmup", 2*time.Second, "warm-up before each scenario")
	addr := flag.String("addr", "127.0.0.1:18080", "address the portal listens on")
	only := flag.String("only", "", "comma-separated scenario names to run (default: all)")
	dataset := flag.String("dataset", "seed", "seed (the reference catalogue) or national (1M agents, 10M enrolments, catalogue ×100)")
	flag.Parse()
	if os.Getenv("DATABASE_URL") == "" {
		return errors.New("DATABASE_URL is not set (make bench sets it)")
	}
	switch *dataset {
	case "seed":
	case "national":
		if err := loadNational(context.Background(), os.Getenv("DATABASE_URL")); err != nil {
			return fmt.Errorf("national dataset: %w", err)
		}
	default:
		return fmt.Errorf("unknown dataset %q (seed or national)", *dataset)
	}

	base := "http://" + *addr
	cmd := exec.Command(*bin, "serve")
	cmd.Env = append(os.Environ(), "CAMPUS_ADDR="+*addr, "CAMPUS_BENCH_CEILING=true", "CAMPUS_LOG_LEVEL=warn", "CAMPUS_COOKIE_SECURE=false",
		"CAMPUS_CLIENT_IP_HEADER=X-Real-IP") // the bench agents sign in from distinct addresses (rate limits)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", *bin, err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	if err := waitReady(base + "/readyz"); err != nil {
		return err
	}

	scenarios, err := discover(base)
	if err != nil {
		return err
	}
	// "Mes formations" (mestrainings.go): signed-in agents reading their enrolments; the same agents on every
	// catalogue page and the search, signed in.
	mf, cookies, err := myTrainingsScenario(base, *conns)
	if err != nil {
		return fmt.Errorf("mes formations scenario: %w", err)
	}
	signed := func(w int) string { return "Cookie: " + cookies[w] + "\r\n" }
	for _, sc := range slices.Clone(scenarios) {
		if !sc.static {
			sc.name += " (connecté)"
			sc.signedIn, sc.header = true, signed
			scenarios = append(scenarios, sc)
		}
	}
	scenarios = append(scenarios, mf,
		scenario{name: "bilan", path: "/bilan", kind: "bilan"},
		scenario{name: "bilan (connecté)", path: "/bilan", kind: "bilan", signedIn: true, header: signed})
	// The search without its cache (targets.go): distinct queries, each asked once, one at a time.
	if *only == "" || slices.Contains(strings.Split(*only, ","), "recherche sans cache") {
		us, err := uncachedSearchScenario(base)
		if err != nil {
			return fmt.Errorf("uncached search scenario: %w", err)
		}
		scenarios = append(scenarios, us)
	}
	// Enrolments (inscription.go): signed-in agents, one hot session, then eight sessions.
	for i, name := range []string{"inscription", "inscription 8 sessions"} {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), name) {
			continue
		}
		ins, err := enrolScenario(base, name, *conns, []int{1, 8}[i], i)
		if err != nil {
			return fmt.Errorf("%s scenario: %w", name, err)
		}
		ins.kind = "enrol" // not a target: each enrolment pays a cancellation (the target is the crowd's, targets.go)
		scenarios = append(scenarios, ins)
	}
	if *only != "" {
		keep := strings.Split(*only, ",")
		scenarios = slices.DeleteFunc(scenarios, func(s scenario) bool { return !slices.Contains(keep, s.name) })
	}

	before, err := tableStats()
	if err != nil {
		return err
	}
	// The ceiling is measured first and again last (a background job of the portal or of Postgres can steal
	// the machine during one of them): the higher of the two is the ceiling.
	if len(scenarios) > 1 && scenarios[0].path == "/_plafond" {
		again := scenarios[0]
		again.name = "plafond (statique, fin)"
		scenarios = append(scenarios, again)
	}
	var results []result
	for _, sc := range scenarios {
		n := *conns
		if sc.conns > 0 {
			n = sc.conns
		}
		if sc.kind != "uncached" {
			load(base, sc, n, *warm, 0) // warm-up, discarded
		}
		r := load(base, sc, n, *dur, cmd.Process.Pid)
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "bench: %-32s %8.0f req/s  p99 %v\n", sc.name, r.rps(), r.pct(0.99).Round(10*time.Microsecond))
	}
	// The crowd (targets.go): 500 agents on one session of 20 seats at once.
	var crowd *crowdResult
	if *only == "" || slices.Contains(strings.Split(*only, ","), "foule") {
		c, err := runCrowd(base, 500, 20, cmd.Process.Pid)
		if err != nil {
			return fmt.Errorf("crowd: %w", err)
		}
		crowd = &c
		fmt.Fprintf(os.Stderr, "bench: foule de %d agents : %v\n", c.agents, c.elapsed.Round(time.Millisecond))
	}
	// Stop the portal: its connections hand their statistics in as they close.
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	time.Sleep(500 * time.Millisecond)
	after, err := tableStats()
	if err != nil {
		return err
	}
	report(os.Stdout, results, *conns, *dur)
	reportTargets(os.Stdout, results, crowd, *dataset)
	total := 0
	for _, r := range results {
		total += r.requests
	}
	reportScans(os.Stdout, before, after, total)
	return nil
}

// tableStat is what Postgres counted of a table: sequential scans, the rows they read, the index scans, and
// its size.
type tableStat struct{ seqScans, seqRows, idxScans, rows int64 }

func tableStats() (map[string]tableStat, error) {
	ctx := context.Background()
	db, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		return nil, err
	}
	defer db.Close(ctx)
	rows, err := db.Query(ctx, `SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0), n_live_tup FROM pg_stat_user_tables`)
	if err != nil {
		return nil, err
	}
	out := map[string]tableStat{}
	for rows.Next() {
		var name string
		var t tableStat
		if err := rows.Scan(&name, &t.seqScans, &t.seqRows, &t.idxScans, &t.rows); err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, rows.Err()
}

// bigTable is the size from which a sequential scan on a request's path is a defect.
const bigTable = 10000

// reportScans prints, for the tables of more than bigTable rows, the sequential and index scans Postgres
// counted while the scenarios ran (every query the portal made, its background jobs included): the proof that
// the plans of the hot paths use indexes. A scan made for fewer than one request in 10,000 (an aggregate
// computed when a cached value is rebuilt, such as the home page's key figures) is not on a request's path.
func reportScans(w io.Writer, before, after map[string]tableStat, requests int) {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "table\tlignes\tparcours d’index\tparcours séquentiels\tlignes lues en séquentiel\t\n")
	var names []string
	for name, a := range after {
		if a.rows >= bigTable {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	scans := 0
	for _, name := range names {
		a, b := after[name], before[name]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", name, a.rows, a.idxScans-b.idxScans, a.seqScans-b.seqScans, a.seqRows-b.seqRows)
		scans += int(a.seqScans - b.seqScans)
	}
	tw.Flush()
	verdict := "aucun parcours séquentiel d’une grande table pendant la charge"
	switch {
	case scans > 0 && scans*10000 <= requests:
		verdict = fmt.Sprintf("aucun sur le chemin des requêtes (%d parcours séquentiel(s) pour %d requêtes, moins d’un pour 10 000 : des lectures d’ensemble faites hors des requêtes, voir le tableau)", scans, requests)
	case scans > 0:
		verdict = fmt.Sprintf("%d parcours séquentiels de grandes tables pour %d requêtes : un index manque sur le chemin d’une requête", scans, requests)
	}
	if len(names) == 0 {
		verdict = fmt.Sprintf("aucune table de plus de %d lignes (make bench DATASET=national pour la vérification à l’échelle)", bigTable)
	}
	fmt.Fprintf(w, "\nRequêtes du portail pendant la charge, tables de plus de %d lignes (pg_stat_user_tables) : %s\n\n%s", bigTable, verdict, buf.String())
}

func waitReady(u string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(u)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("the portal did not become ready at %s", u)
}

// discover builds the scenarios from what the portal serves: real slugs, found from its own pages.
func discover(base string) ([]scenario, error) {
	home, err := fetch(base + "/")
	if err != nil {
		return nil, err
	}
	first := func(page, prefix string) (string, error) {
		i := strings.Index(page, `href="`+prefix)
		if i < 0 {
			return "", fmt.Errorf("no link to %s… found", prefix)
		}
		rest := page[i+len(`href="`):]
		return rest[:strings.IndexByte(rest, '"')], nil
	}
	domain, err := first(home, "/domaines/")
	if err != nil {
		return nil, err
	}
	domainPage, err := fetch(base + domain)
	if err != nil {
		return nil, err
	}
	track, err := first(domainPage, "/parcours/")
	if err != nil {
		return nil, err
	}
	module, err := first(domainPage, "/modules/")
	if err != nil {
		return nil, err
	}
	css, err := first(home, "/static/")
	if err != nil {
		return nil, err
	}
	if i := strings.Index(home, "/dsfr/dsfr-campus.min.css"); i > 0 { // the heaviest asset of every page
		css = home[strings.LastIndex(home[:i], `"`)+1 : i+len("/dsfr/dsfr-campus.min.css")]
	}
	scs := []scenario{
		{name: "plafond (statique)", path: "/_plafond", static: true},
		{name: "accueil", path: "/"},
		{name: "domaine", path: domain},
		{name: "parcours", path: track},
		{name: "module", path: module},
	}
	// Search, when the portal has it.
	if res, err := http.Get(base + "/catalogue?q=donnees&format=en_ligne"); err == nil {
		res.Body.Close()
		if res.StatusCode == 200 {
			scs = append(scs, scenario{name: "recherche + filtres", path: "/catalogue?q=donnees&format=en_ligne"})
		}
	}
	scs = append(scs, scenario{name: "fichier statique (gzip)", path: css, static: true, gzip: true})
	return scs, nil
}

func fetch(u string) (string, error) {
	res, err := http.Get(u)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		return "", fmt.Errorf("GET %s: %d", u, res.StatusCode)
	}
	return string(b), err
}

// load runs a closed loop of conns workers for d and collects every latency.
func load(base string, sc scenario, conns int, d time.Duration, pid int) result {
	tr := &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
		DisableCompression: true, // like wrk: measure the server, not gzip
		DialContext:        (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	u, _ := url.Parse(base + sc.path)
	method := sc.method
	if method == "" {
		method = http.MethodGet
	}

	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var peak atomic.Int64
	if pid > 0 {
		go func() {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				if rss := rssOf(pid); rss > peak.Load() {
					peak.Store(rss)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	lats := make([][]time.Duration, conns)
	var errs, nbytes atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && sc.step != nil {
				d, ok, err := sc.step(w)
				if ctx.Err() != nil {
					break
				}
				if d > 0 {
					lats[w] = append(lats[w], d)
				}
				if err != nil || !ok {
					errs.Add(1)
				}
			}
			if sc.step != nil {
				return
			}
			if method != http.MethodGet {
				for ctx.Err() == nil {
					req, _ := http.NewRequest(method, u.String(), strings.NewReader(sc.body))
					t0 := time.Now()
					res, err := client.Do(req)
					if err != nil {
						if ctx.Err() == nil {
							errs.Add(1)
						}
						continue
					}
					n, _ := io.Copy(io.Discard, res.Body)
					res.Body.Close()
					lats[w] = append(lats[w], time.Since(t0))
					nbytes.Add(n)
					if res.StatusCode >= 400 {
						errs.Add(1)
					}
				}
				return
			}
			// GET: a keep-alive connection of its own and a request written once, read with http.ReadResponse —
			// no client machinery, so that the generator takes as little of the machine as it can, like wrk.
			extra := ""
			if sc.gzip {
				extra += "Accept-Encoding: gzip\r\n"
			}
			if sc.header != nil {
				extra += sc.header(w)
			}
			raw := []byte("GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: campus-bench\r\n" + extra + "\r\n")
			var c net.Conn
			var br *bufio.Reader
			for ctx.Err() == nil {
				if c == nil {
					var err error
					if c, err = net.DialTimeout("tcp", u.Host, 5*time.Second); err != nil {
						errs.Add(1)
						c = nil
						time.Sleep(10 * time.Millisecond)
						continue
					}
					br = bufio.NewReaderSize(c, 32<<10)
				}
				c.SetDeadline(time.Now().Add(10 * time.Second))
				t0 := time.Now()
				_, err := c.Write(raw)
				var res *http.Response
				if err == nil {
					res, err = http.ReadResponse(br, nil)
				}
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
					}
					c.Close()
					c = nil
					continue
				}
				n, err := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lats[w] = append(lats[w], time.Since(t0))
				nbytes.Add(n)
				if err != nil || res.StatusCode != http.StatusOK {
					errs.Add(1)
				}
				if err != nil || res.Close {
					c.Close()
					c = nil
				}
			}
			if c != nil {
				c.Close()
			}
		}()
	}
	wg.Wait()
	r := result{scenario: sc, elapsed: time.Since(start), errors: int(errs.Load()), bytes: nbytes.Load(), peakRSS: peak.Load()}
	for _, l := range lats {
		r.lat = append(r.lat, l...)
	}
	slices.Sort(r.lat)
	r.requests = len(r.lat)
	return r
}

// rssOf reads the resident set size of a process from /proc (Linux), in bytes.
func rssOf(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func report(w io.Writer, rs []result, conns int, d time.Duration) {
	var ceiling float64
	for _, r := range rs {
		if r.path == "/_plafond" {
			ceiling = max(ceiling, r.rps())
		}
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "scénario\trequêtes/s\tp50\tp95\tp99\terreurs\tKo/réponse\t%% du plafond\tRSS max (Mo)\t\n")
	for _, r := range rs {
		frac := "—"
		if !r.static && r.kind == "" && ceiling > 0 {
			frac = fmt.Sprintf("%.0f %%", 100*r.rps()/ceiling)
		}
		kb := 0.0
		if r.requests > 0 {
			kb = float64(r.bytes) / float64(r.requests) / 1024
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%s\t%d\t%.1f\t%s\t%.0f\t\n", r.name, r.rps(), ms(r.pct(0.50)), ms(r.pct(0.95)), ms(r.pct(0.99)),
			r.errors, kb, frac, float64(r.peakRSS)/(1<<20))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d connexions, %v par scénario, boucle locale, %d cœurs\n\n%s", conns, d, runtime.NumCPU(), buf.String())
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
