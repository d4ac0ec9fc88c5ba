// Package mail delivers the portal's mails. Mails are written to an outbox table in the same transaction as
// the event that causes them (see postgres.Store); a Sender started by `campus serve` claims pending rows and
// delivers them through SMTP when it is configured, otherwise it logs them (in development they can be read
// at /dev/courriels).
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail: plain text, in French.
type Message struct {
	Kind    string // what caused it, e.g. "verify_email"; for logs and the dev page
	To      string
	Subject string
	Body    string
}

// Outgoing is a message claimed from the outbox.
type Outgoing struct {
	ID       int64
	Attempts int // including the current one
	Message
}

// Outbox is where the sender takes its mails from (postgres.Store).
type Outbox interface {
	// ClaimMails leases up to n pending mails whose time has come, so that no other sender takes them.
	ClaimMails(ctx context.Context, n int) ([]Outgoing, error)
	// MarkSent records the delivery; when keepBody is false the body (which may hold a link) is erased.
	MarkSent(ctx context.Context, id int64, keepBody bool) error
	// MarkFailed records a failed attempt and when to retry.
	MarkFailed(ctx context.Context, id int64, reason string, retryAt time.Time) error
}

// Transport delivers one message.
type Transport interface {
	Send(ctx context.Context, m Message) error
}

// MaxAttempts is how many times a mail is tried before it is left aside (the outbox keeps the error).
const MaxAttempts = 10

// Sender moves mails from the outbox to the transport.
type Sender struct {
	Outbox    Outbox
	Transport Transport
	Log       *slog.Logger
	Interval  time.Duration // between two polls of the outbox; 5s when zero
	KeepBody  bool          // keep the body of sent mails (development: the dev page shows them)
}

// Run delivers pending mails until ctx is done.
func (s *Sender) Run(ctx context.Context) {
	every := s.Interval
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.DeliverPending(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("mail: delivering the outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DeliverPending sends every mail whose time has come and returns how many were sent.
func (s *Sender) DeliverPending(ctx context.Context) (int, error) {
	sent := 0
	for {
		batch, err := s.Outbox.ClaimMails(ctx, 20)
		if err != nil {
			return sent, err
		}
		if len(batch) == 0 {
			return sent, nil
		}
		for _, m := range batch {
			if err := ctx.Err(); err != nil {
				return sent, err // stopping: the rest of the batch is sent once its lease ends
			}
			// The mail in hand is sent and its outcome recorded even when ctx ends meanwhile (a stop): a mail
			// delivered but not marked sent would be delivered again once its lease ends.
			hand, cancel := context.WithTimeout(context.WithoutCancel(ctx), inHandTimeout)
			err := s.Transport.Send(hand, m.Message)
			if err != nil {
				retry := time.Now().Add(Backoff(m.Attempts))
				s.Log.Warn("mail: delivery failed", "id", m.ID, "kind", m.Kind, "attempt", m.Attempts, "retry_at", retry, "err", err)
				err = s.Outbox.MarkFailed(hand, m.ID, err.Error(), retry)
				cancel()
				if err != nil {
					return sent, err
				}
				continue
			}
			err = s.Outbox.MarkSent(hand, m.ID, s.KeepBody)
			cancel()
			if err != nil {
				return sent, err
			}
			sent++
		}
	}
}

// inHandTimeout bounds the delivery and the recording of the mail in hand once the sender is stopping.
const inHandTimeout = 10 * time.Second

// Backoff is the wait before the next attempt after the given number of attempts: 1, 2, 4… minutes, at
// most 6 hours.
func Backoff(attempts int) time.Duration {
	d := time.Minute << min(max(attempts-1, 0), 9)
	return min(d, 6*time.Hour)
}

// LogTransport "delivers" by logging: for development and for deployments without SMTP.
type LogTransport struct {
	Log *slog.Logger
}

// Send logs that the message was not sent, never its body: a body may hold a single-use link, and no token
// reaches a log line. The outbox keeps it (and /dev/courriels shows it in development).
func (l LogTransport) Send(ctx context.Context, m Message) error {
	l.Log.Info("mail: not sent (no SMTP configured)", "kind", m.Kind, "to", m.To, "subject", m.Subject)
	return nil
}

// SMTPConfig is the SMTP relay.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      string // "starttls" (required), "tls" (implicit, port 465) or "none" (local relays only)
	From     string // "Name <address>"
	Timeout  time.Duration
}

// SMTP delivers through an SMTP relay with go-mail.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP checks the configuration and returns the transport.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" || cfg.From == "" {
		return nil, errors.New("mail.NewSMTP: host and sender address are required")
	}
	if _, err := netmail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("mail.NewSMTP: sender address %q: %w", cfg.From, err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTP{cfg: cfg}, nil
}

func (s *SMTP) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.cfg.Timeout)}
	switch s.cfg.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	return gomail.NewClient(s.cfg.Host, opts...)
}

// Send delivers one message.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("mail.SMTP.Send: sender: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("mail.SMTP.Send: recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	msg.SetMessageID()
	msg.SetDate()
	c, err := s.client()
	if err != nil {
		return fmt.Errorf("mail.SMTP.Send: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail.SMTP.Send: %w", err)
	}
	return nil
}

// oneLine guards headers built from user input.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
