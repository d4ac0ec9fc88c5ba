// Package web is the HTTP layer: router, middleware, handlers grouped by area, and the one place that maps
// errors to status pages.
package web

import (
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"campus/internal/account"
	"campus/internal/cache"
	"campus/internal/config"
	"campus/internal/enrolment"
	"campus/internal/postgres"
	"campus/internal/proconnect"
	"campus/static"
)

// Server holds what the handlers need.
type Server struct {
	cfg   config.Config
	store *postgres.Store
	log   *slog.Logger
	// cache keeps catalogue data between requests; it is on only while WatchChanges listens.
	cache *cache.Cache
	// catalogue reads the catalogue through the cache (reads.go).
	catalogue catalogueReader
	// bilans holds the public results' figures between computations (bilan.go).
	bilans bilanFigures

	sessions   *scs.SessionManager // HTTP sessions in Postgres (session.go)
	proconnect *proconnect.Client  // nil when ProConnect is not configured
	routes     chi.Routes          // the router, for tests that walk every route
	draining   atomic.Bool         // set by Drain on SIGTERM: /readyz answers 503, connections close (metrics.go)
	after      afterwards          // the work done after the answer (afterwards.go)
}

// New builds the server.
func New(cfg config.Config, store *postgres.Store, log *slog.Logger) *Server {
	s := &Server{cfg: cfg, log: log, cache: cache.New()}
	// The store composes the mails it queues with the portal's address and the approval hold.
	s.store = store.WithMails(enrolment.Mailer{BaseURL: s.baseURL(), ApprovalHold: cfg.ApprovalHold})
	s.catalogue = catalogueReader{cache: s.cache, store: s.store}
	s.sessions = s.newSessions()
	s.proconnect = newProConnect(s)
	return s
}

// baseURL is the portal's public address, without a trailing slash.
func (s *Server) baseURL() string { return strings.TrimSuffix(s.cfg.BaseURL.String(), "/") }

// Handler is the portal's whole HTTP handler.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	// Before routing, for every request: an id, the access log, panics, the security headers; then a 404 to a
	// path no route could have (bad bytes), HEAD answered by every GET route, trailing slashes redirected to the
	// canonical URL (in a Group they would run only after a route matched), and the refusal of cross-origin
	// state changes (Sec-Fetch-Site / Origin), with the security headers already set.
	r.Use(s.requestID, s.accessLog, s.recoverPanic, s.securityHeaders)
	r.Use(s.rejectBadPaths, middleware.GetHead, canonicalSlashes, s.crossOrigin())

	// Static files: no session; text formats gzipped once per file (static.Handler).
	r.Handle(static.Prefix+"*", static.Handler())
	r.Get("/favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, static.Path("dsfr/favicon/favicon.ico"), http.StatusMovedPermanently)
	})
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/robots.txt", s.robots) // seo.go

	r.Group(func(r chi.Router) {
		r.Use(middleware.Compress(5, "text/html", "application/json", "text/csv", "application/xml"))
		// Sessions only on dynamic routes (not static files, not health checks), then the current user.
		r.Use(s.sessionMemo, s.loadSession, s.loadUser)

		// Catalogue pages: anonymous visitors get the rendered page from the cache (pagecache.go).
		cat, seats := s.pageCache(cache.Catalogue, byPath), s.pageCache(cache.All, byPath)
		// Pages that show a signed-in user's own data (their enrolment, progress, licence requests).
		catMine, seatsMine := s.personalPageCache(cache.Catalogue, byPath), s.personalPageCache(cache.All, byPath)
		r.With(seats).Get("/", s.home)
		if s.cfg.BenchCeiling {
			r.Get("/_plafond", s.ceiling())
		}
		r.With(cat).Get("/domaines", s.domains)
		r.With(cat).Get("/domaines/{slug}", s.domain)
		r.With(cat).Get("/parcours", s.tracks)
		r.With(catMine).Get("/parcours/{slug}", s.track)
		r.With(cat).Get("/programmes-sur-mesure", s.programmes)
		r.With(cat).Get("/programmes-sur-mesure/{slug}", s.programme)
		r.With(seatsMine).Get("/modules/{slug}", s.module)
		r.With(cat).Get("/partenaires", s.partners)
		r.With(catMine).Get("/partenaires/{slug}", s.partner)

		r.Get("/accessibilite", s.accessibility)
		r.Get("/accessibilite/schema-pluriannuel", s.accessibilityPlan)
		r.Get("/mentions-legales", s.legalNotice)
		r.Get("/donnees-personnelles", s.personalData)
		r.Get("/gestion-des-cookies", s.cookies)
		r.With(cat).Get("/plan-du-site", s.sitemap)
		r.With(cat).Get("/sitemap.xml", s.sitemapXML) // seo.go

		// Catalogue search and open data (search.go, opendata.go): each search's results are cached until the
		// catalogue or the seats change, and its page too for anonymous visitors.
		// The open data files likewise: made once per change, with a stable ETag and Last-Modified (opendata.go).
		r.With(s.pageCache(cache.All, searchKey)).Get("/catalogue", s.search)
		r.With(s.pageCache(cache.All, searchKey)).Get("/api/catalogue.json", s.catalogueJSON)
		r.With(s.pageCache(cache.All, searchKey)).Get("/api/catalogue.csv", s.catalogueCSV)
		r.With(seats).Get("/api/lheo.xml", s.lheoXML)
		r.Get("/api/catalogue.schema.json", serveSchema(catalogueSchema))
		r.Get("/donnees-ouvertes", s.openData)
		r.Get("/donnees-ouvertes/dcat.jsonld", s.dcatJSONLD)

		// Accounts: sign-in, sign-up, reset, ProConnect, the account pages (auth.go).
		s.authRoutes(r)
		// Enrolments: enrol, "Mes formations", calendar, attestations (enrol.go).
		s.enrolmentRoutes(r)
		s.approvalRoutes(r)
		s.surveyRoutes(r)
		// The Campus's programmes: partner licences, the call for trainers and the trainer space, tailored-programme
		// requests, the results (licence.go, trainer.go, programme_request.go, bilan.go).
		s.licenceRoutes(r)
		s.trainerRoutes(r)
		s.programmeRequestRoutes(r)
		s.bilanRoutes(r)
		// Back-office: admins only, under /admin.
		r.Route("/admin", func(r chi.Router) {
			r.Use(s.requireRole(account.RoleAdmin))
			r.Get("/", s.adminHome)
			// Rosters of sessions and online modules (roster.go).
			s.rosterRoutes(r)
			s.adminRoutes(r) // catalogue, sessions, import/export, journal (admin.go)
			// licences, trainers' applications, tailored-programme requests, results (licence_admin.go, …)
			s.licenceAdminRoutes(r)
			s.trainerAdminRoutes(r)
			s.programmeRequestAdminRoutes(r)
			s.bilanAdminRoutes(r)
			s.userAdminRoutes(r)     // accounts and their roles (admin_users.go)
			s.synonymsAdminRoutes(r) // the search's synonyms (admin_synonyms.go)
			s.surveyAdminRoutes(r)
		})
		if s.cfg.DevMailPage() {
			r.Get("/dev/courriels", s.devMails)
		}
	})

	r.NotFound(s.notFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusMethodNotAllowed)
	})

	s.routes = r
	return r
}

// HTTPServer wraps the handler with timeouts fit for the open internet.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}
