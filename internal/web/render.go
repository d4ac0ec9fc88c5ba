package web

import (
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"

	"campus/internal/apperr"
	"campus/internal/postgres"
	"campus/templates"
)

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes a component into a buffer first, so that a render error becomes a clean 500 page and never
// half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer buffers.Put(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if status == http.StatusOK && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		// Conditional GET: the tag is a hash of the page, so it is the same on every instance for the same
		// content (and differs per user where the page does).
		etag := pageTag(buf.Bytes())
		h.Set("ETag", etag)
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", "private, no-cache")
		}
		if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// pageTag is a weak ETag over body: two CRC-32s (IEEE and Castagnoli, both computed by the processor's own
// instructions, several times faster than a table-driven CRC-64) make a 64-bit tag.
func pageTag(body []byte) string {
	sum := uint64(crc32.ChecksumIEEE(body))<<32 | uint64(crc32.Checksum(body, castagnoli))
	return `W/"` + strconv.FormatUint(sum, 36) + `"`
}

// fail maps an error from the domain or the store to its status page; unexpected errors are logged in detail
// and shown to the user as a generic page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch status := errorStatus(err); {
	case status == http.StatusUnprocessableEntity:
		// A refusal no handler showed on its form: its own message, on the page of a refused action.
		ref, _ := apperr.AsRefusal(err)
		v := errorTexts[status]
		v.Lead = ref.Message
		s.renderErrorView(w, r, status, v)
	case status != http.StatusInternalServerError:
		s.renderError(w, r, status)
	case errors.Is(err, context.Canceled):
		// The client went away; nothing to say.
	default:
		s.serverError(w, r, err)
	}
}

// errorStatuses is the one table from the error kinds of apperr to the statuses of fail's pages (wtf's codes
// map). A refusal (apperr.Refusal, which is also an ErrConflict) is a 422 with its message; an error of no kind
// a 500.
var errorStatuses = []struct {
	kind   error
	status int
}{
	{apperr.ErrNotFound, http.StatusNotFound},
	{apperr.ErrGone, http.StatusGone},
	{apperr.ErrForbidden, http.StatusForbidden},
	{apperr.ErrConflict, http.StatusConflict},
}

// errorStatus is the status of the page fail renders for err (pkgsite's derrors.ToStatus).
func errorStatus(err error) int {
	if _, ok := apperr.AsRefusal(err); ok {
		return http.StatusUnprocessableEntity
	}
	for _, k := range errorStatuses {
		if errors.Is(err, k.kind) {
			return k.status
		}
	}
	return http.StatusInternalServerError
}

// serverError logs an unexpected error (with the request's id, route and client, never its path) and shows the
// generic page: 503 with Retry-After while the database is unreachable, 500 otherwise.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if postgres.Unavailable(err) {
		s.log.LogAttrs(r.Context(), slog.LevelError, "database unavailable", s.requestAttrs(r, slog.Any("err", err))...)
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		s.renderError(w, r, http.StatusServiceUnavailable)
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelError, "server error", s.requestAttrs(r, slog.Any("err", err))...)
	s.renderError(w, r, http.StatusInternalServerError)
}

// retryAfterSeconds is the Retry-After of a 503: a database failover or restart takes about that long.
const retryAfterSeconds = 30

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound)
}

// errorTexts are the texts of the error pages, one row a status (a 422's Lead is the refusal's message).
var errorTexts = map[int]templates.ErrorView{
	http.StatusNotFound:            {Heading: "Page non trouvée", Lead: "La page que vous cherchez est introuvable. Excusez-nous pour la gêne occasionnée.", Text: "Si vous avez tapé l’adresse web dans le navigateur, vérifiez qu’elle est correcte. La page n’est peut-être plus disponible. Dans ce cas, pour continuer votre visite vous pouvez consulter notre page d’accueil ou le plan du site."},
	http.StatusGone:                {Heading: "Contenu retiré du catalogue", Lead: "Ce contenu a été archivé : il n’est plus proposé par le Campus.", Text: "Les inscriptions passées restent visibles dans votre espace. Retrouvez les formations proposées aujourd’hui depuis la page d’accueil ou le plan du site."},
	http.StatusForbidden:           {Heading: "Accès refusé", Lead: "Vous n’avez pas les droits nécessaires pour accéder à cette page.", Text: "Si vous pensez qu’il s’agit d’une erreur, contactez l’équipe du Campus."},
	http.StatusConflict:            {Heading: "Action impossible pour le moment", Lead: "Ce que vous demandiez a changé entre-temps ou existe déjà : votre action n’a pas été prise en compte.", Text: "Revenez à la page précédente, rechargez-la pour voir son état actuel, puis recommencez si besoin."},
	http.StatusUnprocessableEntity: {Heading: "Action impossible", Lead: "", Text: "Revenez à la page précédente, rechargez-la pour voir son état actuel, puis recommencez si besoin."},
	http.StatusMethodNotAllowed:    {Heading: "Action non autorisée", Lead: "Cette adresse n’accepte pas ce type de requête.", Text: "Revenez à la page précédente et utilisez les liens et boutons de la page."},
	http.StatusInternalServerError: {Heading: "Erreur inattendue", Lead: "Désolé, le service rencontre un problème, nous travaillons pour le résoudre le plus rapidement possible.", Text: "Essayez de rafraîchir la page ou bien réessayez plus tard. Si le problème persiste, contactez l’équipe du Campus."},
	http.StatusServiceUnavailable:  {Heading: "Service momentanément indisponible", Lead: "Le Campus ne peut pas répondre pour le moment. Excusez-nous pour la gêne occasionnée.", Text: "Réessayez dans quelques instants. Si votre dernière action n’a pas abouti, recommencez-la. Si le problème persiste, contactez l’équipe du Campus."},
}

// crossOriginRefusal is the 403 of a form sent to the portal from another site (crossOrigin).
var crossOriginRefusal = templates.ErrorView{Heading: "Requête refusée",
	Lead: "Cette action a été envoyée depuis un autre site que le Campus : par sécurité, elle n’a pas été prise en compte.",
	Text: "Si vous êtes à l’origine de cette action, revenez sur le Campus et recommencez depuis ses pages."}

// renderError renders the DSFR error page of a status; it never fails over to another error page.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int) {
	v, ok := errorTexts[status]
	if !ok {
		v = errorTexts[http.StatusInternalServerError]
	}
	s.renderErrorView(w, r, status, v)
}

// renderErrorView renders an error page with its own texts.
func (s *Server) renderErrorView(w http.ResponseWriter, r *http.Request, status int, v templates.ErrorView) {
	v.Status = status
	v.Page = templates.Page{Title: v.Heading, Crumbs: []templates.Crumb{{Label: v.Heading}}}
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer buffers.Put(buf)
	h := w.Header()
	// What a handler may have set for the page it was making does not describe this one.
	h.Del("ETag")
	h.Del("Content-Length")
	h.Del("Content-Encoding")
	h.Del("Location")
	h.Set("Cache-Control", "no-store")
	if err := templates.Error(v).Render(r.Context(), buf); err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelError, "rendering the error page", s.requestAttrs(r, slog.Any("err", err))...)
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte(v.Heading))
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
