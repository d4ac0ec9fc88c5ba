package mail_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"campus/internal/mail"
)

type memOutbox struct {
	pending []mail.Outgoing
	sent    map[int64]bool
	failed  map[int64]time.Time
}

func (o *memOutbox) ClaimMails(ctx context.Context, n int) ([]mail.Outgoing, error) {
	batch := o.pending[:min(n, len(o.pending))]
	o.pending = o.pending[len(batch):]
	return batch, nil
}
func (o *memOutbox) MarkSent(ctx context.Context, id int64, keep bool) error {
	o.sent[id] = true
	return nil
}
func (o *memOutbox) MarkFailed(ctx context.Context, id int64, reason string, at time.Time) error {
	o.failed[id] = at
	return nil
}

type flaky struct{ fail map[string]bool }

func (f flaky) Send(ctx context.Context, m mail.Message) error {
	if f.fail[m.To] {
		return errors.New("relais indisponible")
	}
	return nil
}

func TestSender_DeliverPending(t *testing.T) {
	o := &memOutbox{sent: map[int64]bool{}, failed: map[int64]time.Time{}}
	for i := int64(1); i <= 45; i++ {
		to := "a@x.fr"
		if i == 7 {
			to = "panne@x.fr"
		}
		o.pending = append(o.pending, mail.Outgoing{ID: i, Attempts: 3, Message: mail.Message{To: to}})
	}
	s := &mail.Sender{Outbox: o, Transport: flaky{fail: map[string]bool{"panne@x.fr": true}}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	n, err := s.DeliverPending(context.Background())
	if err != nil || n != 44 || len(o.sent) != 44 || o.sent[7] {
		t.Fatalf("sent %d (%v), %d marked", n, err, len(o.sent))
	}
	if at, ok := o.failed[7]; !ok || time.Until(at) < 3*time.Minute || time.Until(at) > 5*time.Minute {
		t.Errorf("failed mail retried at %v, want in 4 minutes (third attempt)", at)
	}
}

func TestBackoff(t *testing.T) {
	for attempts, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 5: 16 * time.Minute, 9: 256 * time.Minute, 10: 6 * time.Hour, 30: 6 * time.Hour} {
		if got := mail.Backoff(attempts); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", attempts, got, want)
		}
	}
}

func TestTexts(t *testing.T) {
	for _, m := range []mail.Message{
		mail.VerifyEmail("a@x.fr", "https://campus.test/verification/abc"),
		mail.AlreadyRegistered("a@x.fr", "", "https://campus.test/connexion", "https://campus.test/mot-de-passe-oublie"),
		mail.ResetPassword("a@x.fr", "Camille\r\nBcc: pirate@x.fr", "https://campus.test/reinitialisation/abc"),
		mail.PasswordChanged("a@x.fr", "", "https://campus.test/mot-de-passe-oublie"),
		mail.AccountDeleted("a@x.fr", "Camille"),
	} {
		if m.To != "a@x.fr" || m.Kind == "" || !strings.Contains(m.Subject, "Campus du numérique public") ||
			!strings.HasPrefix(m.Body, "Bonjour") || !strings.Contains(m.Body, "L’équipe du Campus") {
			t.Errorf("%s: %+v", m.Kind, m)
		}
		if strings.Contains(m.Body, "\r\nBcc") {
			t.Errorf("%s: a name with a line break reaches the body as is", m.Kind)
		}
	}
	if l := mail.Link(mail.VerifyEmail("", "https://campus.test/verification/abc").Body); l != "https://campus.test/verification/abc" {
		t.Errorf("Link = %q", l)
	}
}

// ctxOutbox honours its contexts as the database does: a done context records nothing.
type ctxOutbox struct{ memOutbox }

func (o *ctxOutbox) MarkSent(ctx context.Context, id int64, keep bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return o.memOutbox.MarkSent(ctx, id, keep)
}

// stopDuring stops the sender (cancels its context) while the first mail is being delivered.
type stopDuring struct {
	stop func()
	n    *int
}

func (s stopDuring) Send(ctx context.Context, m mail.Message) error {
	*s.n++
	s.stop()
	return ctx.Err() // a relay would see a cancelled context too
}

// TestSender_StopWhileSending: a stop (SIGTERM) in the middle of a delivery lets the mail in hand be delivered
// and recorded as sent — otherwise it would be delivered again once its lease ends — and sends nothing more.
func TestSender_StopWhileSending(t *testing.T) {
	o := &ctxOutbox{memOutbox{sent: map[int64]bool{}, failed: map[int64]time.Time{}}}
	for i := int64(1); i <= 3; i++ {
		o.pending = append(o.pending, mail.Outgoing{ID: i, Attempts: 1, Message: mail.Message{To: "a@x.fr"}})
	}
	ctx, stop := context.WithCancel(context.Background())
	var sends int
	s := &mail.Sender{Outbox: o, Transport: stopDuring{stop: stop, n: &sends}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	n, err := s.DeliverPending(ctx)
	if !errors.Is(err, context.Canceled) || n != 1 || sends != 1 || !o.sent[1] || len(o.failed) != 0 {
		t.Errorf("stopped during the first mail: %d sent (%v), %d sends, marked sent %v, failed %v", n, err, sends, o.sent, o.failed)
	}
}
