package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/internal/config"
	"campus/internal/enrolment"
	lic "campus/internal/licence"
	"campus/internal/programme"
	"campus/internal/testdb"
	"campus/internal/trainer"
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

// TestErrorStatus: the one table from error kinds to statuses, however the error is wrapped; a refusal is a 422
// (before the conflict it also is); an error of no kind a 500.
func TestErrorStatus(t *testing.T) {
	declared := &apperr.Refusal{Code: "test_refusal", Message: "Refusé : %d place(s)."}
	for _, c := range []struct {
		err  error
		want int
	}{
		{apperr.ErrNotFound, http.StatusNotFound},
		{fmt.Errorf("postgres.X: %w", apperr.ErrNotFound), http.StatusNotFound},
		{fmt.Errorf("a: %w", fmt.Errorf("b: %w", apperr.ErrGone)), http.StatusGone},
		{apperr.ErrForbidden, http.StatusForbidden},
		{apperr.ErrConflict, http.StatusConflict},
		{fmt.Errorf("%w: doublon", apperr.ErrConflict), http.StatusConflict},
		{declared, http.StatusUnprocessableEntity},
		{declared.With(3), http.StatusUnprocessableEntity},
		{fmt.Errorf("postgres.Y: %w", declared.With(3)), http.StatusUnprocessableEntity},
		{enrolment.ErrSessionStarted, http.StatusUnprocessableEntity},
		{admin.ErrSlugTaken.With("x"), http.StatusUnprocessableEntity},
		{lic.ErrPoolFull, http.StatusUnprocessableEntity},
		{trainer.ErrTransition, http.StatusUnprocessableEntity},
		{programme.ErrTransition, http.StatusUnprocessableEntity},
		{errors.New("autre"), http.StatusInternalServerError},
		{context.Canceled, http.StatusInternalServerError},
	} {
		if got := errorStatus(c.err); got != c.want {
			t.Errorf("errorStatus(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

// TestFail_UnhandledRefusal: a refusal no handler showed on its form reaches fail and gets a 422 page with its
// own French message, never the 500 page.
func TestFail_UnhandledRefusal(t *testing.T) {
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	s := New(cfg, testdb.Open(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	refusal := &apperr.Refusal{Code: "test_unmapped", Message: "Ce lot n’accepte plus de demande : %d licences sont déjà attribuées."}
	rec := httptest.NewRecorder()
	s.fail(rec, httptest.NewRequest(http.MethodPost, "/admin/x", nil), fmt.Errorf("postgres.Quelque: %w", refusal.With(12)))
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", rec.Code)
	}
	if !strings.Contains(body, "Ce lot n’accepte plus de demande : 12 licences sont déjà attribuées.") {
		t.Errorf("the page does not show the refusal's message:\n%s", body)
	}
	if strings.Contains(body, errorTexts[http.StatusInternalServerError].Heading) || !strings.Contains(body, errorTexts[http.StatusUnprocessableEntity].Heading) {
		t.Errorf("not the page of a refused action")
	}
}
