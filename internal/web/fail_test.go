package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"campus/internal/apperr"
	"campus/internal/config"
	"campus/internal/testdb"
)

// TestFail_EveryKind: each error kind of apperr, however wrapped, gets its own French page from fail; none
// falls through to a 500 (a bare ErrConflict once did).
func TestFail_EveryKind(t *testing.T) {
	t.Parallel()
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	s := New(cfg, testdb.Open(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	for kind, want := range map[error]int{
		apperr.ErrNotFound:  http.StatusNotFound,
		apperr.ErrGone:      http.StatusGone,
		apperr.ErrForbidden: http.StatusForbidden,
		apperr.ErrConflict:  http.StatusConflict,
		errors.New("autre"): http.StatusInternalServerError,
	} {
		rec := httptest.NewRecorder()
		s.fail(rec, httptest.NewRequest(http.MethodGet, "/modules/x", nil), fmt.Errorf("postgres.Quelque: %w", kind))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != want || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(string(body), `lang="fr"`) {
			t.Errorf("%v: %d %q", kind, rec.Code, rec.Header().Get("Content-Type"))
		}
		if want != http.StatusInternalServerError && strings.Contains(string(body), errorTexts[http.StatusInternalServerError].Heading) {
			t.Errorf("%v: the page of an unexpected error", kind)
		}
	}
}
