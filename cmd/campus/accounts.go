package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/config"
	"campus/internal/mail"
	"campus/internal/postgres"
)

const userUsage = `usage: campus user grant <role> <email>

roles: agent, trainer, admin (the account must exist: sign up first, or sign in once with ProConnect)`

// userCommand manages accounts from the command line: `campus user grant admin prenom.nom@x.gouv.fr`.
func userCommand(ctx context.Context, store *postgres.Store, args []string, stdout io.Writer) error {
	if len(args) != 3 || args[0] != "grant" {
		fmt.Fprintln(stdout, userUsage)
		return errors.New("user: expected `user grant <role> <email>`")
	}
	role, email := args[1], args[2]
	if !account.ValidRole(role) {
		return fmt.Errorf("user grant: unknown role %q (agent, trainer or admin)", role)
	}
	u, err := store.GrantRole(ctx, email, role)
	if errors.Is(err, apperr.ErrNotFound) {
		return fmt.Errorf("user grant: no account with the address %q: sign up first", account.NormalizeEmail(email))
	}
	if err != nil {
		return err
	}
	// Ending the user's sessions makes the new role apply at the next sign-in everywhere (a lowered role
	// at once).
	if err := store.EndSessions(ctx, u.ID); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s a maintenant le rôle %s (%s).\n", u.Email, u.Role, account.RoleLabel(u.Role))
	return nil
}

// demoAccounts are the accounts `campus demo` makes, one per role.
var demoAccounts = []struct{ email, given, usual, role string }{
	{"agent.demo@campus.localhost", "Camille", "Agent", account.RoleAgent},
	{"formatrice.demo@campus.localhost", "Dominique", "Formatrice", account.RoleTrainer},
	{"admin.demo@campus.localhost", "Alix", "Administratrice", account.RoleAdmin},
}

// demoCommand creates or resets the demo accounts with a new random password, and prints them: development
// only (`make run` calls it on the project's private database). Their addresses are under .localhost, which no
// mail reaches.
func demoCommand(ctx context.Context, cfg config.Config, store *postgres.Store, stdout io.Writer) error {
	if cfg.Env != "development" {
		return errors.New("demo: development only (CAMPUS_ENV=development): demo accounts have a password printed in clear")
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	password := "demo-" + base64.RawURLEncoding.EncodeToString(b)
	hash, err := account.HashPassword(password)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Comptes de démonstration (mot de passe commun, nouveau à chaque lancement) :")
	for _, d := range demoAccounts {
		u, err := store.DemoAccount(ctx, d.email, d.given, d.usual, d.role, hash)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  %-34s %s\n", account.RoleLabel(u.Role), u.Email)
	}
	fmt.Fprintf(stdout, "  mot de passe : %s\n", password)
	return nil
}

// mailTransport is SMTP when configured, otherwise the log.
func mailTransport(cfg config.Config, log *slog.Logger) (mail.Transport, error) {
	if !cfg.SMTP.Enabled() {
		return mail.LogTransport{Log: log}, nil
	}
	return mail.NewSMTP(mail.SMTPConfig{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
		Password: cfg.SMTP.Password, TLS: cfg.SMTP.TLS, From: cfg.MailFrom})
}

// startBackground runs, until ctx is done, the mail sender and the periodic cleanup of expired sessions,
// tokens, rate-limit windows and old mails. Both are safe with several instances. The returned function
// waits for them to stop.
func startBackground(ctx context.Context, cfg config.Config, store *postgres.Store, log *slog.Logger) (func(), error) {
	transport, err := mailTransport(cfg, log)
	if err != nil {
		return nil, err
	}
	sender := &mail.Sender{Outbox: store, Transport: transport, Log: log, KeepBody: !cfg.Production()}
	done := make(chan struct{}, 2)
	go func() { sender.Run(ctx); done <- struct{}{} }()
	go func() {
		defer func() { done <- struct{}{} }()
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			if err := store.Cleanup(ctx); err != nil && ctx.Err() == nil {
				log.Warn("cleanup", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { <-done; <-done }, nil
}
