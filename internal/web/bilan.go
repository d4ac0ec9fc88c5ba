package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"campus/internal/cache"
	"campus/internal/catalogue"
	"campus/internal/programme"
	"campus/internal/sheet"
	"campus/templates"
)

// The results (bilan): the public page with its charts, the same figures as open data (CSV and JSON), and the
// back-office page with filters and CSV export.

func (s *Server) bilanRoutes(r chi.Router) {
	// The page too, rendered once per computation of the figures (its key names the computation), for anonymous
	// and signed-in visitors alike (pagecache.go).
	r.With(s.pageCache(cache.Catalogue, func(*http.Request) string { return "/bilan@" + s.bilans.stamp() })).Get("/bilan", s.bilan)
	// The figures are computed at most once a minute (publicBilan); their files are kept as long (pagecache.go).
	files := s.pageCache(cache.Catalogue, byPath)
	r.With(files).Get("/bilan/donnees.csv", s.bilanCSV)
	r.With(files).Get("/bilan/donnees.json", s.bilanJSON)
	r.Get("/bilan/donnees.schema.json", serveSchema(bilanSchema))
}

func (s *Server) bilanAdminRoutes(r chi.Router) {
	r.Get("/bilan", s.adminBilan)
	r.Get("/bilan/export.csv", s.adminBilanCSV)
}

// lastYear is the twelve months ending with the current one.
func lastYear() []time.Time {
	now := time.Now().In(catalogue.Paris)
	return programme.Months(now.AddDate(0, -11, 0), now)
}

func monthsText(months []time.Time) string {
	if len(months) == 0 {
		return ""
	}
	return "Inscriptions faites et formations suivies chaque mois, " + catalogue.De(programme.MonthLabel(months[0])) + " à " +
		programme.MonthLabel(months[len(months)-1]) + "."
}

// publicBilan is the figures of the public page and its open data, for everyone (signed in or not): while the
// cache is on (the change feed listens), the figures of the last computation, recomputed in the background once
// they are bilanRefresh old or a catalogue change is announced, so that no view ever waits for a computation (it
// reads the tallies the enrolments keep, postgres.Store.Bilan: 0.1–0.5 s on the national dataset) and the
// figures are at most bilanRefresh plus one computation old; the first view after start waits for the first computation (WatchChanges starts it as soon as the feed
// listens). With the cache off, every view computes them. Protected by the statistical secret (counts of people
// from 1 to 4 hidden: programme.Bilan.Protect).
func (s *Server) publicBilan(r *http.Request) (programme.Bilan, []time.Time, error) {
	months := lastYear()
	if !s.cache.Enabled() {
		b, err := s.store.Bilan(r.Context(), programme.BilanFilter{}, months)
		return b.Protect(), months, err
	}
	b, err := s.bilans.get(r.Context(), months[0].Format("2006-01"), func(ctx context.Context) (programme.Bilan, error) {
		b, err := s.store.Bilan(ctx, programme.BilanFilter{}, months)
		return b.Protect(), err
	})
	return b, months, err
}

// bilanRefresh is the age past which the public figures are recomputed (in the background), unless their
// computation took more than half of it: then twice the computation's time, so that recomputing never takes more
// than a third of the time (should the tallies ever cost what the scan of the enrolments did: tens of seconds of
// both cores on the national dataset).
const bilanRefresh = 30 * time.Second

// bilanFigures holds the public figures between computations (stale while revalidating).
type bilanFigures struct {
	mu      sync.Mutex
	key     string // the first month of the monthly indicator: a new month computes afresh
	val     programme.Bilan
	at      time.Time
	gen     uint64        // moves with every catalogue change (changed)
	valGen  uint64        // the gen the figures kept were computed at
	took    time.Duration // how long the last computation took
	running chan struct{} // closed when the computation under way ends; nil when none
	err     error         // of the last computation, for those who waited for it
}

// changed says the figures predate a catalogue change (their labels, domains, audiences): WatchChanges starts
// a computation at once (warmBilan; one under way predates the change, so another starts as it ends), and a view
// meanwhile waits up to bilanChangeWait for it before taking the previous figures.
func (f *bilanFigures) changed() {
	f.mu.Lock()
	f.gen++
	f.mu.Unlock()
}

// bilanChangeWait is how long a view after a catalogue change waits for the new figures (enough for the
// reference catalogue; on the national dataset the previous figures are served until the new ones are made).
const bilanChangeWait = 300 * time.Millisecond

// stamp names the figures kept (when they were computed), "" when there are none.
func (f *bilanFigures) stamp() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.at.IsZero() {
		return ""
	}
	return f.key + "@" + strconv.FormatInt(f.at.UnixNano(), 36)
}

// get returns the figures under key: the last ones at once (starting a computation in the background when they
// are old or stale), or, when there are none for key, those of a computation it waits for.
func (f *bilanFigures) get(ctx context.Context, key string, compute func(context.Context) (programme.Bilan, error)) (programme.Bilan, error) {
	f.mu.Lock()
	have := f.key == key && !f.at.IsZero()
	old := have && f.valGen != f.gen
	if f.running == nil && (!have || old || time.Since(f.at) >= max(bilanRefresh, 2*f.took)) {
		f.start(key, compute)
	}
	if old {
		running := f.running
		f.mu.Unlock()
		select {
		case <-running:
		case <-time.After(bilanChangeWait):
		case <-ctx.Done():
		}
		f.mu.Lock()
		v := f.val
		f.mu.Unlock()
		return v, nil
	}
	if have {
		v := f.val
		f.mu.Unlock()
		return v, nil
	}
	running := f.running
	f.mu.Unlock()
	for {
		select {
		case <-running:
		case <-ctx.Done():
			return programme.Bilan{}, ctx.Err()
		}
		f.mu.Lock()
		if f.key == key && !f.at.IsZero() {
			v := f.val
			f.mu.Unlock()
			return v, nil
		}
		if f.err != nil {
			err := f.err
			f.mu.Unlock()
			return programme.Bilan{}, err
		}
		if f.running == nil {
			f.start(key, compute)
		}
		running = f.running
		f.mu.Unlock()
	}
}

// start runs a computation in the background. f.mu is held.
func (f *bilanFigures) start(key string, compute func(context.Context) (programme.Bilan, error)) {
	done := make(chan struct{})
	f.running = done
	gen := f.gen
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		t0 := time.Now()
		v, err := compute(ctx)
		f.mu.Lock()
		f.err, f.running, f.took = err, nil, time.Since(t0)
		if err == nil {
			f.key, f.val, f.at, f.valGen = key, v, time.Now(), gen
			if gen != f.gen {
				f.start(key, compute) // a change came meanwhile: compute again at once
			}
		}
		f.mu.Unlock()
		close(done)
	}()
}

// warmBilan starts computing the public figures (WatchChanges, once the feed listens).
func (s *Server) warmBilan() {
	if !s.cache.Enabled() {
		return
	}
	months := lastYear()
	s.bilans.mu.Lock()
	if s.bilans.running == nil {
		s.bilans.start(months[0].Format("2006-01"), func(ctx context.Context) (programme.Bilan, error) {
			b, err := s.store.Bilan(ctx, programme.BilanFilter{}, months)
			return b.Protect(), err
		})
	}
	s.bilans.mu.Unlock()
}

func (s *Server) bilan(w http.ResponseWriter, r *http.Request) {
	b, months, err := s.publicBilan(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sat, err := s.catalogue.Satisfaction(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.Bilan(templates.BilanView{Bilan: b, Months: monthsText(months), Satisfaction: sat,
		Period: "Depuis l’ouverture du Campus.",
		Page: s.page(r, "bilan", "Le bilan du Campus", "Les chiffres du Campus du numérique public : agents formés, inscriptions, licences, formateurs.",
			templates.Crumb{Label: "Le bilan du Campus"})}))
}

// Open data: one line per figure, stable column names.
// A value the statistical secret hides is empty, with valeur_masquee true and its reason (programme.Mask.Code).
// The columns are the fields of its Table Schema (tableschema.go).
var bilanCSVHeader = bilanSchema.header()

// bilanCells are the value's cells of a CSV line.
func bilanCells(n int, m programme.Mask) []string {
	if m != programme.Published {
		return []string{"", "true", m.Code()}
	}
	return []string{strconv.Itoa(n), "false", ""}
}

func bilanRecords(b programme.Bilan) [][]string {
	out := [][]string{bilanCSVHeader}
	for _, k := range keyFigures(b) {
		out = append(out, append([]string{"chiffres-cles", "Chiffres clés", k.id, k.label, ""}, bilanCells(k.n, k.mask)...))
	}
	for _, in := range b.Indicators {
		for _, r := range in.Rows {
			for i, v := range r.Values {
				serie := ""
				if i < len(in.Series) {
					serie = in.Series[i]
				}
				out = append(out, append([]string{in.ID, in.Title, r.Key, r.Label, serie}, bilanCells(v, r.Mask(i))...))
			}
		}
	}
	return out
}

type keyFigure struct {
	id, label string
	n         int
	mask      programme.Mask
}

// keyFigures are the key figures; on protected figures, a count from 1 to 4 is hidden.
func keyFigures(b programme.Bilan) []keyFigure {
	ks := []keyFigure{
		{"agents-formes", "Agents formés sur le Campus", b.AgentsTrained, programme.Published},
		{"inscriptions", "Inscriptions", b.Enrolments, programme.Published},
		{"formations-suivies", "Formations suivies", b.Completions, programme.Published},
		{"cadres-dirigeants-formes-modules", "Cadres dirigeants formés par les modules", b.SeniorTrained, programme.Published},
		{"cadres-dirigeants-formes-programmes", "Cadres dirigeants formés par les programmes sur mesure (participants déclarés)", b.SeniorDeclared, programme.Published},
		{"participants-programmes", "Participants aux programmes sur mesure (déclarés)", b.ProgrammeParticipants, programme.Published},
		{"licences-attribuees", "Licences attribuées", b.Licences, programme.Published},
		{"formateurs", "Formateurs", b.Trainers, programme.Published},
	}
	for i := range ks {
		if b.Protected && programme.Small(ks[i].n) {
			ks[i].mask = programme.MaskSmall
		}
	}
	return ks
}

// writeBilanCSV writes the figures for spreadsheets, through the portal's one CSV writer (internal/sheet), as
// the catalogue's open data.
func writeBilanCSV(w http.ResponseWriter, r *http.Request, b programme.Bilan, filename string, public bool) {
	if !public {
		serveCSV(w, filename, bilanRecords(b)...)
		return
	}
	body, err := sheet.Bytes(bilanRecords(b)...)
	if err != nil { // into memory: cannot happen
		http.Error(w, "Le fichier n’a pas pu être produit.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	serveOpenData(w, r, "text/csv; charset=utf-8", body, b.GeneratedAt)
}

func (s *Server) bilanCSV(w http.ResponseWriter, r *http.Request) {
	b, _, err := s.publicBilan(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeBilanCSV(w, r, b, "bilan-campus-numerique-public.csv", true)
}

// A value the statistical secret hides is null, and named with its reason in valeurs_masquees.
type odBilanRow struct {
	Categorie string            `json:"categorie"`
	Libelle   string            `json:"libelle"`
	Valeurs   map[string]*int   `json:"valeurs"`
	Masquees  map[string]string `json:"valeurs_masquees"`
}

type odIndicator struct {
	ID     string       `json:"id"`
	Titre  string       `json:"titre"`
	Unite  string       `json:"unite"`
	Series []string     `json:"series"`
	Lignes []odBilanRow `json:"lignes"`
}

type odBilan struct {
	Source       string            `json:"source"`
	Licence      string            `json:"licence"`
	LicenceURL   string            `json:"licence_url"`
	GenereLe     time.Time         `json:"genere_le"`
	Secret       string            `json:"secret_statistique"`
	ChiffresCles map[string]*int   `json:"chiffres_cles"`
	Masques      map[string]string `json:"chiffres_cles_masques"`
	Indicateurs  []odIndicator     `json:"indicateurs"`
}

// secretText states the statistical secret in the JSON.
const secretText = "Les effectifs de 1 à 4 personnes ne sont pas publiés : leur valeur est null et leur motif « moins-de-5 » ; " +
	"d’autres valeurs sont masquées (« secret-secondaire ») pour qu’un total ne permette pas de les retrouver. Les totaux restent exacts."

func (s *Server) bilanJSON(w http.ResponseWriter, r *http.Request) {
	b, _, err := s.publicBilan(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := odBilan{Source: s.cfg.BaseURL.String() + "/bilan", Licence: licence, LicenceURL: licenceURL, GenereLe: b.GeneratedAt.In(catalogue.Paris).Truncate(time.Second),
		Secret: secretText, ChiffresCles: map[string]*int{}, Masques: map[string]string{}}
	for _, k := range keyFigures(b) {
		if k.mask != programme.Published {
			f.ChiffresCles[k.id], f.Masques[k.id] = nil, k.mask.Code()
			continue
		}
		f.ChiffresCles[k.id] = &k.n
	}
	for _, in := range b.Indicators {
		oi := odIndicator{ID: in.ID, Titre: in.Title, Unite: in.Unit, Series: in.Series, Lignes: []odBilanRow{}}
		for _, row := range in.Rows {
			line := odBilanRow{Categorie: row.Key, Libelle: row.Label, Valeurs: map[string]*int{}, Masquees: map[string]string{}}
			for i, v := range row.Values {
				if i >= len(in.Series) {
					continue
				}
				if m := row.Mask(i); m != programme.Published {
					line.Valeurs[in.Series[i]], line.Masquees[in.Series[i]] = nil, m.Code()
					continue
				}
				line.Valeurs[in.Series[i]] = &v
			}
			oi.Lignes = append(oi.Lignes, line)
		}
		f.Indicateurs = append(f.Indicateurs, oi)
	}
	s.serveOpenDataJSON(w, r, "application/json; charset=utf-8", f, true, b.GeneratedAt)
}

// bilanFilter reads the back-office filters from the query: a period and an administration (chosen among
// the spellings the agents typed, grouped by key).
func (s *Server) bilanFilter(w http.ResponseWriter, r *http.Request) (programme.BilanFilter, []time.Time, []templates.Option, *Form, error) {
	var bf programme.BilanFilter
	names, err := s.store.BilanAdministrations(r.Context())
	if err != nil {
		return bf, nil, nil, nil, err
	}
	spellings := map[string][]string{}
	var opts []templates.Option
	for _, n := range names {
		k := programme.AdministrationKey(n)
		if k == "" {
			continue
		}
		if _, ok := spellings[k]; !ok {
			opts = append(opts, templates.Option{Value: k, Label: n})
		}
		spellings[k] = append(spellings[k], n)
	}
	slices.SortFunc(opts, func(a, b templates.Option) int {
		switch {
		case a.Value < b.Value:
			return -1
		case a.Value > b.Value:
			return 1
		}
		return 0
	})
	f := s.readForm(w, r)
	bf.From = f.Date("du", "Du", false)
	bf.To = f.Date("au", "Au", false)
	if !bf.From.IsZero() && !bf.To.IsZero() && bf.To.Before(bf.From) {
		f.Fail("au", "La fin de la période doit suivre son début.")
	}
	if bf.Administration = f.Choice("administration", "Administration", opts, false); bf.Administration != "" {
		bf.Spellings = spellings[bf.Administration]
	}
	if !f.Valid() {
		bf.From, bf.To = time.Time{}, time.Time{}
	}
	end := time.Now().In(catalogue.Paris)
	if !bf.To.IsZero() {
		end = bf.To
	}
	start := end.AddDate(0, -11, 0)
	if !bf.From.IsZero() {
		start = bf.From
	}
	return bf, programme.Months(start, end), opts, f, nil
}

func (s *Server) adminBilan(w http.ResponseWriter, r *http.Request) {
	bf, months, opts, f, err := s.bilanFilter(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := s.store.Bilan(r.Context(), bf, months)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status, title := http.StatusOK, "Bilan"
	if !f.Valid() {
		status, title = http.StatusUnprocessableEntity, "Erreur - "+title
	}
	period := "Depuis l’ouverture du Campus"
	switch {
	case !bf.From.IsZero() && !bf.To.IsZero():
		period = "Du " + catalogue.ShortDate(bf.From) + " au " + catalogue.ShortDate(bf.To)
	case !bf.From.IsZero():
		period = "Depuis le " + catalogue.ShortDate(bf.From)
	case !bf.To.IsZero():
		period = "Jusqu’au " + catalogue.ShortDate(bf.To)
	}
	if bf.Administration != "" {
		for _, o := range opts {
			if o.Value == bf.Administration {
				period += ", agents de « " + o.Label + " »"
			}
		}
	}
	q := url.Values{}
	for _, k := range []string{"du", "au", "administration"} {
		if v := f.State().Values[k]; v != "" && f.State().Errors[k] == "" {
			q.Set(k, v)
		}
	}
	export := "/admin/bilan/export.csv"
	if e := q.Encode(); e != "" {
		export += "?" + e
	}
	w.Header().Set("Cache-Control", "no-store")
	v := templates.BilanView{Bilan: b, Admin: true, Form: f.State(), Administrations: opts, ExportHref: export,
		Period: period + ".", Months: monthsText(months), Page: s.adminPage(r, title, templates.Crumb{Label: "Bilan"})}
	s.render(w, r, status, templates.Bilan(v))
}

func (s *Server) adminBilanCSV(w http.ResponseWriter, r *http.Request) {
	bf, months, _, f, err := s.bilanFilter(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !f.Valid() {
		// The page of the bilan shows each wrong filter next to its field: the link leads there with them.
		const what = "Export du bilan"
		s.render(w, r, http.StatusBadRequest, templates.Message(templates.MessageView{
			Page:    s.page(r, "", "Filtres invalides - "+what, "", adminCrumbs(templates.Crumb{Label: what})...),
			Heading: what, Kind: "error", Title: "Filtres invalides",
			Text:  "Les filtres de cet export ne sont pas valides : corrigez-les sur la page du bilan, puis relancez l’export.",
			Links: []templates.Crumb{{Label: "Corriger les filtres du bilan", Href: "/admin/bilan?" + r.URL.RawQuery}}}))
		return
	}
	b, err := s.store.Bilan(r.Context(), bf, months)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeBilanCSV(w, r, b, "bilan-campus-"+time.Now().In(catalogue.Paris).Format("2006-01-02")+".csv", false)
}
