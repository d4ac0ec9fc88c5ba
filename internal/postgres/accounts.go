package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/internal/cache"
	"campus/internal/mail"
)

const userColumns = `u.id, u.email, u.email_verified_at, u.password_hash IS NOT NULL, u.given_name, u.usual_name,
	u.administration, u.role, coalesce(u.proconnect_sub, ''), u.proconnect_uid, u.siret, u.session_epoch,
	u.created_at, u.updated_at, u.last_login_at, u.data_version`

// nullableUserColumns are userColumns where u may be missing (a LEFT JOIN): a missing user reads as ID 0.
const nullableUserColumns = `coalesce(u.id, 0), coalesce(u.email, ''), u.email_verified_at, coalesce(u.password_hash IS NOT NULL, false),
	coalesce(u.given_name, ''), coalesce(u.usual_name, ''), coalesce(u.administration, ''), coalesce(u.role, ''),
	coalesce(u.proconnect_sub, ''), coalesce(u.proconnect_uid, ''), coalesce(u.siret, ''), coalesce(u.session_epoch, 0),
	coalesce(u.created_at, 'epoch'), coalesce(u.updated_at, 'epoch'), u.last_login_at, coalesce(u.data_version, 0)`

// userDest are the destinations of userColumns (and nullableUserColumns).
func userDest(u *account.User) []any {
	return []any{&u.ID, &u.Email, &u.EmailVerifiedAt, &u.HasPassword, &u.GivenName, &u.UsualName,
		&u.Administration, &u.Role, &u.ProConnectSub, &u.ProConnectUID, &u.SIRET, &u.SessionEpoch,
		&u.CreatedAt, &u.UpdatedAt, &u.LastLoginAt, &u.DataVersion}
}

func scanUser(row pgx.Row, u *account.User, extra ...any) error {
	return row.Scan(append(userDest(u), extra...)...)
}

// UserByID returns a user.
func (s *Store) UserByID(ctx context.Context, id int64) (account.User, error) {
	var u account.User
	if err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id), &u); err != nil {
		return u, fmt.Errorf("postgres.UserByID: %w", notFound(err))
	}
	return u, nil
}

// UserByEmail returns the user with this (normalized) address and their password hash ("" when none).
func (s *Store) UserByEmail(ctx context.Context, email string) (account.User, string, error) {
	var u account.User
	var hash *string
	err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+`, u.password_hash FROM users u WHERE u.email = $1`, email), &u, &hash)
	if err != nil {
		return u, "", fmt.Errorf("postgres.UserByEmail: %w", notFound(err))
	}
	if hash == nil {
		return u, "", nil
	}
	return u, *hash, nil
}

// NewAccount is a sign-up by email and password.
type NewAccount struct {
	Email          string // normalized
	PasswordHash   string
	GivenName      string
	UsualName      string
	Administration string
}

// SignUp creates an account and queues the verification mail, with the link of a token it draws
// (account.NewToken: only its hash is stored), in one transaction. When the address already has an account
// nothing is created, that address is told instead (mail.AlreadyRegistered), and created is false: the caller
// answers the same either way, so that the form does not tell who has an account.
func (s *Store) SignUp(ctx context.Context, a NewAccount) (id int64, created bool, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO users (email, password_hash, given_name, usual_name, administration)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (email) DO NOTHING RETURNING id`,
			a.Email, a.PasswordHash, a.GivenName, a.UsualName, a.Administration).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			// The name typed in the form is not repeated to the address's owner.
			return enqueueMail(ctx, tx, mail.AlreadyRegistered(a.Email, "", s.mails.Link("/connexion"), s.mails.Link("/mot-de-passe-oublie")))
		}
		if err != nil {
			return err
		}
		created = true
		token, hash := account.NewToken()
		if err := insertToken(ctx, tx, id, account.PurposeVerifyEmail, a.Email, hash); err != nil {
			return err
		}
		return enqueueMail(ctx, tx, s.verifyMail(a.Email, token))
	})
	if err != nil {
		return 0, false, fmt.Errorf("postgres.SignUp: %w", err)
	}
	return id, created, nil
}

// insertToken stores a link's hash; earlier unused links of the same purpose stop working.
func insertToken(ctx context.Context, tx pgx.Tx, userID int64, purpose, email string, hash []byte) error {
	return insertTokenTTL(ctx, tx, userID, purpose, email, hash, account.TTL(purpose))
}

// insertTokenTTL is insertToken with a lifetime of its own.
func insertTokenTTL(ctx context.Context, tx pgx.Tx, userID int64, purpose, email string, hash []byte, ttl time.Duration) error {
	if _, err := tx.Exec(ctx, `UPDATE account_tokens SET used_at = now()
		WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, userID, purpose); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO account_tokens (hash, user_id, purpose, email, expires_at)
		VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
		hash, userID, purpose, email, ttl.Seconds())
	return err
}

// verifyMail is the mail that carries the verification link of token to email.
func (s *Store) verifyMail(email, token string) mail.Message {
	return mail.VerifyEmail(email, s.mails.Link("/verification/"+token))
}

// IssueToken stores a new link for a user, of a token it draws (account.NewToken: only its hash is stored),
// and queues the mail that carries it, in one transaction: account.PurposeVerifyEmail (mail.VerifyEmail) or
// account.PurposeResetPassword (mail.ResetPassword).
func (s *Store) IssueToken(ctx context.Context, userID int64, purpose string) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var email, givenName string
		var verified bool
		if err := tx.QueryRow(ctx, `SELECT email, given_name, email_verified_at IS NOT NULL FROM users WHERE id = $1 FOR UPDATE`,
			userID).Scan(&email, &givenName, &verified); err != nil {
			return notFound(err)
		}
		token, hash := account.NewToken()
		var m mail.Message
		switch purpose {
		case account.PurposeVerifyEmail:
			m = s.verifyMail(email, token)
		case account.PurposeResetPassword:
			name := ""
			if verified { // the name of an unconfirmed account may have been typed by anyone
				name = givenName
			}
			m = mail.ResetPassword(email, name, s.mails.Link("/reinitialisation/"+token))
		default:
			return fmt.Errorf("no mail for a link of purpose %q", purpose)
		}
		if err := insertToken(ctx, tx, userID, purpose, email, hash); err != nil {
			return err
		}
		return enqueueMail(ctx, tx, m)
	})
	if err != nil {
		return fmt.Errorf("postgres.IssueToken: %w", err)
	}
	return nil
}

// useToken locks the token of hash for purpose and returns its user. An unknown token is
// apperr.ErrNotFound; a used, expired or superseded one (the account's address changed since) is
// apperr.ErrGone. When consume is true the token is marked used.
func useToken(ctx context.Context, tx pgx.Tx, hash []byte, purpose string, consume bool) (account.User, error) {
	var u account.User
	var usable bool
	err := scanUser(tx.QueryRow(ctx, `
		SELECT `+userColumns+`, (t.used_at IS NULL AND t.expires_at > now() AND t.email = u.email)
		FROM account_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.hash = $1 AND t.purpose = $2
		FOR UPDATE OF t, u`, hash, purpose), &u, &usable)
	if err != nil {
		return u, notFound(err)
	}
	if !usable {
		return u, apperr.ErrGone
	}
	if consume {
		if _, err := tx.Exec(ctx, `UPDATE account_tokens SET used_at = now() WHERE hash = $1`, hash); err != nil {
			return u, err
		}
	}
	return u, nil
}

// VerifyEmail consumes a verification link and marks the address confirmed; a trainer role accepted for the
// address is given to the account.
func (s *Store) VerifyEmail(ctx context.Context, hash []byte) (account.User, error) {
	var u account.User
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if u, err = useToken(ctx, tx, hash, account.PurposeVerifyEmail, true); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
			WHERE id = $1 RETURNING email_verified_at`, u.ID).Scan(&u.EmailVerifiedAt); err != nil {
			return err
		}
		return claimTrainerRole(ctx, tx, &u)
	})
	if err != nil {
		return u, fmt.Errorf("postgres.VerifyEmail: %w", err)
	}
	return u, nil
}

// VerificationUser returns the user of a usable verification link and their password hash ("" when none),
// without consuming the link: the address is confirmed only by whoever also knows the account's password.
func (s *Store) VerificationUser(ctx context.Context, hash []byte) (account.User, string, error) {
	var u account.User
	var password *string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if u, err = useToken(ctx, tx, hash, account.PurposeVerifyEmail, false); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&password)
	})
	if err != nil {
		return u, "", fmt.Errorf("postgres.VerificationUser: %w", err)
	}
	if password == nil {
		return u, "", nil
	}
	return u, *password, nil
}

// ResetTokenUser returns the user of a usable password-reset link, without consuming it.
func (s *Store) ResetTokenUser(ctx context.Context, hash []byte) (account.User, error) {
	var u account.User
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		u, err = useToken(ctx, tx, hash, account.PurposeResetPassword, false)
		return err
	})
	if err != nil {
		return u, fmt.Errorf("postgres.ResetTokenUser: %w", err)
	}
	return u, nil
}

// ResetPassword consumes a reset link and sets the new password in one transaction: the address counts as
// confirmed (the link reached it), every session and every other pending link of the user ends, a trainer
// role accepted for the address is given, and the owner is told (mail.PasswordChanged).
func (s *Store) ResetPassword(ctx context.Context, hash []byte, passwordHash string) (account.User, error) {
	var u account.User
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if u, err = useToken(ctx, tx, hash, account.PurposeResetPassword, true); err != nil {
			return err
		}
		// A reset proves the mailbox, not who made the account: the profile of an account not confirmed yet was
		// typed by whoever signed up with the address (or applied with it: DecideTrainerApplication), and is
		// dropped rather than adopted (its name would open every mail to the owner). The owner types their own.
		if err := tx.QueryRow(ctx, `UPDATE users SET password_hash = $2,
			given_name = CASE WHEN email_verified_at IS NULL THEN '' ELSE given_name END,
			usual_name = CASE WHEN email_verified_at IS NULL THEN '' ELSE usual_name END,
			administration = CASE WHEN email_verified_at IS NULL THEN '' ELSE administration END,
			email_verified_at = coalesce(email_verified_at, now()),
			session_epoch = session_epoch + 1, updated_at = now() WHERE id = $1
			RETURNING session_epoch, email_verified_at, given_name, usual_name, administration`,
			u.ID, passwordHash).Scan(&u.SessionEpoch, &u.EmailVerifiedAt, &u.GivenName, &u.UsualName, &u.Administration); err != nil {
			return err
		}
		if err := endAllSessions(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := claimTrainerRole(ctx, tx, &u); err != nil {
			return err
		}
		return enqueueMail(ctx, tx, s.passwordChangedMail(u.Email, u.GivenName))
	})
	if err != nil {
		return u, fmt.Errorf("postgres.ResetPassword: %w", err)
	}
	return u, nil
}

// ChangePassword sets a new password for a signed-in user, ends their other sessions (all but keepToken),
// voids the password-reset links issued before, withdraws a pending change of address (another session may
// have asked for it), and tells the owner (mail.PasswordChanged). It returns the new session epoch, to be
// stored in the current session.
func (s *Store) ChangePassword(ctx context.Context, userID int64, passwordHash, keepToken string) (int, error) {
	var epoch int
	var email, givenName string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1, updated_at = now()
			WHERE id = $1 RETURNING session_epoch, email, given_name`, userID, passwordHash).Scan(&epoch, &email, &givenName); err != nil {
			return notFound(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token <> $2`, userID, keepToken); err != nil {
			return err
		}
		if err := withdrawEmailChange(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE account_tokens SET used_at = now()
			WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, userID, account.PurposeResetPassword); err != nil {
			return err
		}
		return enqueueMail(ctx, tx, s.passwordChangedMail(email, givenName))
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.ChangePassword: %w", err)
	}
	return epoch, nil
}

// passwordChangedMail tells the owner of email that the password changed, with the link that resets it.
func (s *Store) passwordChangedMail(email, givenName string) mail.Message {
	return mail.PasswordChanged(email, givenName, s.mails.Link("/mot-de-passe-oublie"))
}

// EndSessions signs a user out everywhere: every stored session of the user is deleted and the session
// epoch is bumped, so that a session committed concurrently is refused too; the password-reset links not yet
// used and a pending change of address (which one of those sessions may have asked for) are withdrawn.
func (s *Store) EndSessions(ctx context.Context, userID int64) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1`, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE account_tokens SET used_at = now()
			WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, userID, account.PurposeResetPassword); err != nil {
			return err
		}
		return withdrawEmailChange(ctx, tx, userID)
	})
	if err != nil {
		return fmt.Errorf("postgres.EndSessions: %w", err)
	}
	return nil
}

// CountSessions returns how many live sessions a user has.
func (s *Store) CountSessions(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE user_id = $1 AND expiry > now()`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres.CountSessions: %w", err)
	}
	return n, nil
}

// RecordLogin notes the time of a successful sign-in.
func (s *Store) RecordLogin(ctx context.Context, userID int64) error {
	if _, err := s.pool.Exec(ctx, `UPDATE users SET last_login_at = now() WHERE id = $1`, userID); err != nil {
		return fmt.Errorf("postgres.RecordLogin: %w", err)
	}
	return nil
}

// UpdateProfile saves what a user may change about themselves at once (not the address: RequestEmailChange).
func (s *Store) UpdateProfile(ctx context.Context, userID int64, p account.Profile) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET given_name = $2, usual_name = $3, administration = $4, updated_at = now()
		WHERE id = $1`, userID, p.GivenName, p.UsualName, p.Administration)
	if err == nil && tag.RowsAffected() == 0 {
		err = apperr.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("postgres.UpdateProfile: %w", err)
	}
	return nil
}

// DeleteUser deletes an account and everything attached to it (tokens, sessions), and queues the
// confirmation (mail.AccountDeleted) to its address, in one transaction.
func (s *Store) DeleteUser(ctx context.Context, userID int64) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var email, givenName string
		if err := tx.QueryRow(ctx, `DELETE FROM users WHERE id = $1 RETURNING email, given_name`, userID).Scan(&email, &givenName); err != nil {
			return notFound(err)
		}
		return enqueueMail(ctx, tx, mail.AccountDeleted(email, givenName))
	})
	if err != nil {
		return fmt.Errorf("postgres.DeleteUser: %w", err)
	}
	return nil
}

// ExportUser gathers everything kept about a user.
func (s *Store) ExportUser(ctx context.Context, userID int64) (account.Export, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return account.Export{}, fmt.Errorf("postgres.ExportUser: %w", err)
	}
	x := account.Export{GeneratedAt: time.Now().UTC(), Account: account.ExportAccount{
		Email: u.Email, EmailVerifiedAt: u.EmailVerifiedAt, GivenName: u.GivenName, UsualName: u.UsualName,
		Administration: u.Administration, Role: u.Role, PasswordSet: u.HasPassword, ProConnectLinked: u.ProConnectSub != "",
		ProConnectSubject: u.ProConnectSub, SIRET: u.SIRET, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, LastLoginAt: u.LastLoginAt}}
	rows, err := s.pool.Query(ctx, `SELECT subject, created_at, sent_at FROM mail_outbox WHERE recipient = $1 ORDER BY id`, u.Email)
	if err != nil {
		return x, fmt.Errorf("postgres.ExportUser: %w", err)
	}
	x.Mails, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (account.ExportMail, error) {
		var m account.ExportMail
		err := r.Scan(&m.Subject, &m.CreatedAt, &m.SentAt)
		return m, err
	})
	if err != nil {
		return x, fmt.Errorf("postgres.ExportUser: %w", err)
	}
	if x.Mails == nil {
		x.Mails = []account.ExportMail{}
	}
	return x, nil
}

// GrantRole sets the role of the account with this address, as SetUserRole does (audit entry by the command
// line, sessions ended when the role takes privileges away).
func (s *Store) GrantRole(ctx context.Context, email, role string) (account.User, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, account.NormalizeEmail(email)).Scan(&id); err != nil {
		return account.User{}, fmt.Errorf("postgres.GrantRole: %w", notFound(err))
	}
	return s.SetUserRole(ctx, admin.Actor{Name: "ligne de commande (campus user grant)"}, id, role)
}

// ProConnectOutcome says how a ProConnect sign-in found its account.
type ProConnectOutcome int

const (
	ProConnectKnown   ProConnectOutcome = iota // the account linked to this identity
	ProConnectCreated                          // a new account
	ProConnectLinked                           // an existing account of the same address, linked now
)

// ProConnectLogin finds or creates the account of a ProConnect identity, in one transaction: by `sub` first;
// otherwise by address (ProConnect addresses are verified) when that account is not linked yet; otherwise a new
// account. Linking an existing account hands it to the identity's owner: every session of the account ends
// (session epoch), its password is removed (whoever set it may not be the address's owner: the agent may set
// one afterwards) and so are its pending links and a pending change of address; the address counts as confirmed;
// the profile of an account not confirmed yet is dropped (the agent types theirs). A trainer role accepted for the
// address is given to the account.
func (s *Store) ProConnectLogin(ctx context.Context, id account.ExternalIdentity) (account.User, ProConnectOutcome, error) {
	var u account.User
	outcome := ProConnectKnown
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// The names ProConnect gives replace the account's. What an account not confirmed yet holds was typed by
		// whoever signed up with the address, who may not own it (as for a reset: ResetPassword): not kept.
		const update = `UPDATE users u SET given_name = CASE WHEN $2 <> '' THEN $2 WHEN email_verified_at IS NULL THEN '' ELSE given_name END,
			usual_name = CASE WHEN $3 <> '' THEN $3 WHEN email_verified_at IS NULL THEN '' ELSE usual_name END,
			administration = CASE WHEN email_verified_at IS NULL THEN '' ELSE administration END,
			proconnect_uid = $4, siret = $5, last_login_at = now(), updated_at = now()`
		err := scanUser(tx.QueryRow(ctx, update+` WHERE u.proconnect_sub = $1 RETURNING `+userColumns,
			id.Subject, id.GivenName, id.UsualName, id.UID, id.SIRET), &u)
		if err == nil || !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var linked *string
		err = tx.QueryRow(ctx, `SELECT proconnect_sub FROM users WHERE email = $1 FOR UPDATE`, id.Email).Scan(&linked)
		switch {
		case err == nil && linked != nil:
			return account.ErrIdentityConflict.With(id.Email)
		case err == nil:
			outcome = ProConnectLinked
			if err := scanUser(tx.QueryRow(ctx, update+`, proconnect_sub = $1, proconnect_linked_at = now(),
				email_verified_at = coalesce(email_verified_at, now()), password_hash = NULL, session_epoch = session_epoch + 1
				WHERE u.email = $6 RETURNING `+userColumns,
				id.Subject, id.GivenName, id.UsualName, id.UID, id.SIRET, id.Email), &u); err != nil {
				return err
			}
			if err := endAllSessions(ctx, tx, u.ID); err != nil {
				return err
			}
			return claimTrainerRole(ctx, tx, &u)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		outcome = ProConnectCreated
		if err := scanUser(tx.QueryRow(ctx, `INSERT INTO users AS u (email, email_verified_at, given_name, usual_name,
			proconnect_sub, proconnect_uid, siret, last_login_at, proconnect_linked_at)
			VALUES ($1, now(), $2, $3, $4, $5, $6, now(), now()) RETURNING `+userColumns,
			id.Email, id.GivenName, id.UsualName, id.Subject, id.UID, id.SIRET), &u); err != nil {
			return err
		}
		return claimTrainerRole(ctx, tx, &u)
	})
	if err != nil {
		return u, outcome, fmt.Errorf("postgres.ProConnectLogin: %w", err)
	}
	return u, outcome, nil
}

// AdminFigures are the counts shown on the back-office home.
type AdminFigures struct {
	Users, Verified, ProConnect, Agents, Trainers, Admins int
	NewUsers7Days                                         int
	Modules, PublishedModules, Tracks, UpcomingSessions   int
	MailsPending, MailsFailed                             int
}

// AdminFigures counts users, catalogue entries and mails in one query.
func (s *Store) AdminFigures(ctx context.Context) (AdminFigures, error) {
	var f AdminFigures
	err := s.pool.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FROM users),
			(SELECT count(*) FROM users WHERE email_verified_at IS NOT NULL),
			(SELECT count(*) FROM users WHERE proconnect_sub IS NOT NULL),
			(SELECT count(*) FROM users WHERE role = 'agent'),
			(SELECT count(*) FROM users WHERE role = 'trainer'),
			(SELECT count(*) FROM users WHERE role = 'admin'),
			(SELECT count(*) FROM users WHERE created_at > now() - interval '7 days'),
			(SELECT count(*) FROM modules),
			(SELECT count(*) FROM modules WHERE status = 'published'),
			(SELECT count(*) FROM tracks),
			(SELECT count(*) FROM module_sessions WHERE status = 'scheduled' AND starts_at > now()),
			(SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND attempts < $1),
			(SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND attempts >= $1)`, mail.MaxAttempts).Scan(
		&f.Users, &f.Verified, &f.ProConnect, &f.Agents, &f.Trainers, &f.Admins, &f.NewUsers7Days,
		&f.Modules, &f.PublishedModules, &f.Tracks, &f.UpcomingSessions, &f.MailsPending, &f.MailsFailed)
	if err != nil {
		return f, fmt.Errorf("postgres.AdminFigures: %w", err)
	}
	return f, nil
}

// SessionStore is the scs store of HTTP sessions: pgxstore, plus the owner of each session written to
// sessions.user_id, so that EndSessions can end all of a user's sessions.
type SessionStore struct {
	*pgxstore.PostgresStore
	pool  *pgxpool.Pool
	codec scs.Codec
	cache *cache.Cache // signed-in sessions with their owner (UseCache), nil: none
}

// UseCache keeps signed-in sessions, read with their owner, in c: an entry belongs to its owner (the user), so
// it goes when the database announces a change of the user or the deletion of one of their sessions (migration
// 00013: sign-out, sign-out everywhere, role, name, data version), on every instance; c is on only while the
// change feed listens. An entry is keyed by the token and the request's session variant (WithSessionMemo), which
// the browser changes with every state-changing request it makes, so that the page after a user's own action
// is never served from a copy read before it, whichever instance serves it. Entries live at most
// cache.MaxAge, and the idle expiry is still written back as without the cache (CommitCtx).
func (st *SessionStore) UseCache(c *cache.Cache) { st.cache = c }

// cachedSession is a signed-in session as read with its owner.
type cachedSession struct {
	data   []byte
	expiry time.Time
	user   account.User
}

func (c cachedSession) Size() int { return len(c.data) + 1024 }

// sessionKeys are the cached sessions, per token and variant: they belong to their user (cache.Put's owner)
// and depend on no catalogue tag.
var sessionKeys = cache.NewKeys[cachedSession]("session:", 0)

func (m *sessionMemo) cacheKey() cache.Key[cachedSession] {
	return sessionKeys.Of3(m.token, "\x00", m.variant)
}

// SessionUserKey is the session key holding the signed-in user's id (an int64).
const SessionUserKey = "user_id"

// SessionStore returns the store for scs; codec must be the session manager's. Expired sessions are
// removed by Cleanup, not by a goroutine per store.
func (s *Store) SessionStore(codec scs.Codec) *SessionStore {
	return &SessionStore{PostgresStore: pgxstore.NewWithCleanupInterval(s.pool, 0), pool: s.pool, codec: codec}
}

// Commit saves a session with its owner, read from the session data.
func (st *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return st.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context. A commit that only pushes the idle expiry forward by less than a minute
// (scs commits every request's session to renew its idle timeout) is skipped when the request read the
// session (WithSessionMemo) and its data is unchanged, byte for byte (the codec must give the same bytes for
// the same data): a signed-in page view costs one read, not a read and a write.
func (st *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if m, ok := ctx.Value(sessionMemoKey{}).(*sessionMemo); ok && m.token == token && m.data != nil && bytes.Equal(b, m.data) &&
		!expiry.Before(m.expiry) && expiry.Sub(m.expiry) < touchEvery(time.Until(expiry)) {
		return nil
	}
	var owner *int64
	if _, values, err := st.codec.Decode(b); err == nil {
		if id, ok := values[SessionUserKey].(int64); ok && id > 0 {
			owner = &id
		}
	}
	_, err := st.pool.Exec(ctx, `
		INSERT INTO sessions (token, data, expiry, user_id) SELECT $1, $2, $3, $4
		WHERE $4::bigint IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = $4)
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry, user_id = EXCLUDED.user_id`,
		token, b, expiry, owner)
	if err != nil {
		return fmt.Errorf("postgres.SessionStore.Commit: %w", err)
	}
	st.forget(ctx, token)
	return nil
}

// forget drops the cached copy of the session token as this request's variant names it.
func (st *SessionStore) forget(ctx context.Context, token string) {
	if m, ok := ctx.Value(sessionMemoKey{}).(*sessionMemo); ok && st.cache != nil {
		cache.Delete(st.cache, (&sessionMemo{token: token, variant: m.variant}).cacheKey())
	}
}

// FindCtx is Find with a context. When the request has a memo (WithSessionMemo) it reads the session's owner
// in the same query and keeps both there: a signed-in request costs one query for its session and its user
// (SessionUser).
func (st *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	m, memo := ctx.Value(sessionMemoKey{}).(*sessionMemo)
	if !memo {
		var b []byte
		err := st.pool.QueryRow(ctx, `SELECT data FROM sessions WHERE token = $1 AND now() < expiry`, token).Scan(&b)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("postgres.SessionStore.Find: %w", err)
		}
		return b, true, nil
	}
	if st.cache != nil {
		key := (&sessionMemo{token: token, variant: m.variant}).cacheKey()
		if cs, ok := cache.Get(st.cache, key); ok && time.Now().Before(cs.expiry) {
			u := cs.user
			*m = sessionMemo{token: token, variant: m.variant, data: cs.data, expiry: cs.expiry, user: &u}
			return cs.data, true, nil
		}
	}
	var snap cache.Snapshot
	if st.cache != nil {
		snap = st.cache.Begin()
	}
	var b []byte
	var expiry time.Time
	var u account.User
	var owner *int64
	err := st.pool.QueryRow(ctx, `SELECT s.data, s.expiry, s.user_id, `+nullableUserColumns+`
		FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.token = $1 AND now() < s.expiry`, token).
		Scan(append([]any{&b, &expiry, &owner}, userDest(&u)...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("postgres.SessionStore.Find: %w", err)
	}
	*m = sessionMemo{token: token, variant: m.variant, data: b, expiry: expiry}
	if owner != nil && u.ID == *owner {
		m.user = &u
		if st.cache != nil {
			cache.Put(st.cache, snap, m.cacheKey(), u.ID, cachedSession{data: b, expiry: expiry, user: u})
		}
	}
	return b, true, nil
}

// SessionUser returns the owner of the session the request read, as read in the same query (the user as
// the database has it now), if the request has a memo and its session has an owner.
func SessionUser(ctx context.Context) (account.User, bool) {
	if m, ok := ctx.Value(sessionMemoKey{}).(*sessionMemo); ok && m.user != nil {
		return *m.user, true
	}
	return account.User{}, false
}

// sessionMemo is what FindCtx read of a request's session, so that CommitCtx can tell an unchanged session.
type sessionMemo struct {
	token   string
	variant string // the browser's session variant (see UseCache)
	data    []byte // nil when no session was read
	expiry  time.Time
	user    *account.User // the session's owner, if any
}

type sessionMemoKey struct{}

// WithSessionMemo prepares ctx (a request's, before the session is loaded) so that committing an unchanged
// session only writes when its expiry has moved enough (see CommitCtx); variant is the browser's session
// variant, part of the key of the cached copy (see UseCache).
func WithSessionMemo(ctx context.Context, variant string) context.Context {
	return context.WithValue(ctx, sessionMemoKey{}, &sessionMemo{variant: variant})
}

// touchEvery is how far the idle expiry may lag behind before it is written: a minute, or 1/60 of the time
// left for short idle timeouts.
func touchEvery(left time.Duration) time.Duration {
	return min(time.Minute, left/60)
}

// DeleteCtx is Delete with a context.
func (st *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	if _, err := st.pool.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token); err != nil {
		return fmt.Errorf("postgres.SessionStore.Delete: %w", err)
	}
	st.forget(ctx, token)
	return nil
}

// provenName is the name a mail greets an address typed in a form with: that of the account that has proven the
// address, "" when none has. Never the name typed in the form: whoever filled it may not own the address, and
// the mail would carry their text to it (mail.TrainerMoreInfo, mail.ProgrammeStatus).
func provenName(ctx context.Context, q queryer, email string) (string, error) {
	var name string
	err := q.QueryRow(ctx, `SELECT trim(given_name || ' ' || usual_name) FROM users
		WHERE email = $1 AND email_verified_at IS NOT NULL`, email).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return name, err
}
