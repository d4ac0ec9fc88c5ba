package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/mail"
)

// Changes of address: a request stays pending until the link sent to the new address is opened; the old
// address keeps working meanwhile, is told, and may cancel (or, for a week after the confirmation, undo) the
// change. Only the SHA-256 of each link is stored.

const emailChangeColumns = `c.id, c.user_id, c.old_email, c.new_email, c.requested_at, c.expires_at, c.confirmed_at`

func scanEmailChange(row pgx.Row, c *account.EmailChange, extra ...any) error {
	return row.Scan(append([]any{&c.ID, &c.UserID, &c.OldEmail, &c.NewEmail, &c.RequestedAt, &c.ExpiresAt, &c.ConfirmedAt}, extra...)...)
}

// RequestEmailChange records a request to change a user's address to newEmail (normalized) and queues its
// mails, in one transaction: to the new address the confirmation link (mail.EmailChangeConfirm), to the
// current address the notice with the cancellation link (mail.EmailChangeNotice); it draws both tokens
// (account.NewToken), only their hashes are stored. An earlier pending request is replaced. Whether newEmail is
// free or belongs to another account, the request is recorded the same way and the current address gets the
// same notice: only the new address's mail differs (the owner of a taken address is told,
// mail.EmailChangeTaken, and no link can confirm the change), so that the answer tells the requester nothing
// about who has an account. While an earlier change can still be undone, the request is refused with an
// *account.ChangeTooSoonError.
func (s *Store) RequestEmailChange(ctx context.Context, userID int64, newEmail string) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var old, givenName string
		if err := tx.QueryRow(ctx, `SELECT email, given_name FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&old, &givenName); err != nil {
			return notFound(err)
		}
		// A change still within its undo window: another one would move the address its undo link restores
		// from, and leave the notice of the second change to the first new address.
		var until *time.Time
		if err := tx.QueryRow(ctx, `SELECT max(confirmed_at) + make_interval(secs => $2) FROM email_changes
			WHERE user_id = $1 AND confirmed_at > now() - make_interval(secs => $2) AND cancelled_at IS NULL`,
			userID, account.EmailRevertWindow.Seconds()).Scan(&until); err != nil {
			return err
		}
		if until != nil {
			return &account.ChangeTooSoonError{Until: *until}
		}
		if err := withdrawEmailChange(ctx, tx, userID); err != nil {
			return err
		}
		confirmToken, confirmHash := account.NewToken()
		cancelToken, cancelHash := account.NewToken()
		if _, err := tx.Exec(ctx, `INSERT INTO email_changes (user_id, old_email, new_email, confirm_hash, cancel_hash, expires_at)
			VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
			userID, old, newEmail, confirmHash, cancelHash, account.VerifyEmailTTL.Seconds()); err != nil {
			return err
		}
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)`, newEmail).Scan(&taken); err != nil {
			return err
		}
		to := mail.EmailChangeConfirm(newEmail, s.mails.Link("/adresse/confirmation/"+confirmToken))
		if taken {
			to = mail.EmailChangeTaken(newEmail, s.mails.Link("/connexion"), s.mails.Link("/mot-de-passe-oublie"))
		}
		if err := enqueueMail(ctx, tx, to); err != nil {
			return err
		}
		return enqueueMail(ctx, tx, mail.EmailChangeNotice(old, givenName, newEmail, s.mails.Link("/adresse/annulation/"+cancelToken)))
	})
	if err != nil {
		return fmt.Errorf("postgres.RequestEmailChange: %w", err)
	}
	return nil
}

// PendingEmailChange returns the user's pending change of address (apperr.ErrNotFound when there is none,
// or when its link has expired).
func (s *Store) PendingEmailChange(ctx context.Context, userID int64) (account.EmailChange, error) {
	var c account.EmailChange
	err := scanEmailChange(s.pool.QueryRow(ctx, `SELECT `+emailChangeColumns+` FROM email_changes c
		WHERE c.user_id = $1 AND c.confirmed_at IS NULL AND c.cancelled_at IS NULL AND c.expires_at > now()`, userID), &c)
	if err != nil {
		return c, fmt.Errorf("postgres.PendingEmailChange: %w", notFound(err))
	}
	return c, nil
}

// WithdrawEmailChange drops the user's pending change of address, if any.
func (s *Store) WithdrawEmailChange(ctx context.Context, userID int64) error {
	if err := withdrawEmailChange(ctx, s.pool, userID); err != nil {
		return fmt.Errorf("postgres.WithdrawEmailChange: %w", err)
	}
	return nil
}

// emailChangeByConfirm locks the change a confirmation link is for, with whether it can still be confirmed.
func emailChangeByConfirm(ctx context.Context, tx pgx.Tx, hash []byte) (account.EmailChange, error) {
	var c account.EmailChange
	var usable bool
	err := scanEmailChange(tx.QueryRow(ctx, `SELECT `+emailChangeColumns+`,
		(c.confirmed_at IS NULL AND c.cancelled_at IS NULL AND c.expires_at > now() AND u.email = c.old_email)
		FROM email_changes c JOIN users u ON u.id = c.user_id WHERE c.confirm_hash = $1
		FOR UPDATE OF c, u`, hash), &c, &usable)
	if err != nil {
		return c, notFound(err)
	}
	if !usable {
		return c, apperr.ErrGone
	}
	return c, nil
}

// EmailChangeToConfirm returns the change a confirmation link is for and the account's password hash ("" when
// it has none), without applying it: opening the link proves the new mailbox, not who asked for the change, so
// the change applies only for the account's own session or password (ConfirmEmailChange). apperr.ErrNotFound,
// apperr.ErrGone as ConfirmEmailChange.
func (s *Store) EmailChangeToConfirm(ctx context.Context, confirmHash []byte) (account.EmailChange, string, error) {
	var c account.EmailChange
	var password *string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if c, err = emailChangeByConfirm(ctx, tx, confirmHash); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, c.UserID).Scan(&password)
	})
	if err != nil {
		return c, "", fmt.Errorf("postgres.EmailChangeToConfirm: %w", err)
	}
	if password == nil {
		return c, "", nil
	}
	return c, *password, nil
}

// ConfirmEmailChange applies the change of the confirmation link confirmHash for the account userID, which the
// caller has proven (its session or its password: see EmailChangeToConfirm): the account takes the new
// address, proven; the old address gets notice, with a link that can undo the change for
// account.EmailRevertWindow. An unknown link, or one of another account, is apperr.ErrNotFound; a used,
// expired, withdrawn or superseded one (the account's address changed since the request) is apperr.ErrGone; a
// new address taken meanwhile by another account is apperr.ErrConflict. The mail to the former address
// (mail.EmailChanged) carries the undo link, of a token it draws (account.NewToken: only its hash is stored).
func (s *Store) ConfirmEmailChange(ctx context.Context, confirmHash []byte, userID int64) (account.User, error) {
	var u account.User
	err := s.tx(ctx, func(tx pgx.Tx) error {
		c, err := emailChangeByConfirm(ctx, tx, confirmHash)
		if err != nil {
			return err
		}
		if c.UserID != userID {
			return apperr.ErrNotFound
		}
		err = scanUser(tx.QueryRow(ctx, `UPDATE users u SET email = $2, email_verified_at = now(), updated_at = now()
			WHERE u.id = $1 RETURNING `+userColumns, c.UserID, c.NewEmail), &u)
		if isUniqueViolation(err, "users_email_key") {
			return apperr.ErrConflict
		}
		if err != nil {
			return err
		}
		revertToken, revertHash := account.NewToken()
		if _, err := tx.Exec(ctx, `UPDATE email_changes SET confirmed_at = now(), revert_hash = $2 WHERE id = $1`, c.ID, revertHash); err != nil {
			return err
		}
		// Links sent to the old address (a password reset, say) stop working with it.
		if _, err := tx.Exec(ctx, `UPDATE account_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, u.ID); err != nil {
			return err
		}
		if err := claimTrainerRole(ctx, tx, &u); err != nil {
			return err
		}
		return enqueueMail(ctx, tx, mail.EmailChanged(c.OldEmail, u.GivenName, u.Email, s.mails.Link("/adresse/annulation/"+revertToken)))
	})
	if err != nil {
		return u, fmt.Errorf("postgres.ConfirmEmailChange: %w", err)
	}
	return u, nil
}

// emailChangeByCancel locks the change a cancellation link (sent to the old address before or after the
// confirmation) is for, with whether it can still be cancelled.
func emailChangeByCancel(ctx context.Context, q pgx.Tx, hash []byte) (account.EmailChange, error) {
	var c account.EmailChange
	var usable bool
	err := scanEmailChange(q.QueryRow(ctx, `SELECT `+emailChangeColumns+`,
		c.cancelled_at IS NULL AND CASE WHEN c.confirmed_at IS NULL THEN c.expires_at > now() AND u.email = c.old_email
			ELSE c.confirmed_at > now() - make_interval(secs => $2) AND u.email = c.new_email END
		FROM email_changes c JOIN users u ON u.id = c.user_id WHERE c.cancel_hash = $1 OR c.revert_hash = $1
		FOR UPDATE OF c, u`, hash, account.EmailRevertWindow.Seconds()), &c, &usable)
	if err != nil {
		return c, notFound(err)
	}
	if !usable {
		return c, apperr.ErrGone
	}
	return c, nil
}

// EmailChangeToCancel returns the change a cancellation link is for, if it can still be cancelled
// (apperr.ErrNotFound, apperr.ErrGone otherwise).
func (s *Store) EmailChangeToCancel(ctx context.Context, hash []byte) (account.EmailChange, error) {
	var c account.EmailChange
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		c, err = emailChangeByCancel(ctx, tx, hash)
		return err
	})
	if err != nil {
		return c, fmt.Errorf("postgres.EmailChangeToCancel: %w", err)
	}
	return c, nil
}

// CancelEmailChange is the old address's answer "it was not me": in one transaction the change is cancelled
// (a confirmed one is undone: the account gets its old address back, proven), and since whoever asked for it
// could open the account, the account is secured: its password is removed, every session and every pending
// link ends, and a password-reset link is issued to the old address for its owner to choose a new password at
// once: its token, drawn here (account.NewToken: only its hash is stored), is returned for the caller to lead
// there (no mail carries it). Undoing a confirmed change also unlinks a ProConnect identity linked since the
// change (or at an unknown time): it belongs to the new address's owner, who must not keep a way into an account
// given back to the old one, nor the establishment access its SIRET gave. An account created with the old
// address since, never confirmed, is deleted so that the address can come back; one that confirmed it is
// apperr.ErrConflict (only the old mailbox's owner could have confirmed it: the team settles it).
func (s *Store) CancelEmailChange(ctx context.Context, hash []byte) (u account.User, reset string, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		c, err := emailChangeByCancel(ctx, tx, hash)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE email_changes SET cancelled_at = now() WHERE id = $1`, c.ID); err != nil {
			return err
		}
		// The old address is the account's to take back: an account created with it since, never confirmed
		// (whoever made it could not prove the address), gives it up.
		if _, err := tx.Exec(ctx, `DELETE FROM users WHERE email = $1 AND id <> $2 AND email_verified_at IS NULL`, c.OldEmail, c.UserID); err != nil {
			return err
		}
		unlink := `($3::timestamptz IS NOT NULL AND (proconnect_linked_at IS NULL OR proconnect_linked_at >= $3))`
		err = scanUser(tx.QueryRow(ctx, `UPDATE users u SET email = $2, email_verified_at = coalesce(email_verified_at, now()),
			password_hash = NULL, session_epoch = session_epoch + 1, updated_at = now(),
			proconnect_sub = CASE WHEN `+unlink+` THEN NULL ELSE proconnect_sub END,
			proconnect_uid = CASE WHEN `+unlink+` THEN '' ELSE proconnect_uid END,
			siret = CASE WHEN `+unlink+` THEN '' ELSE siret END,
			proconnect_linked_at = CASE WHEN `+unlink+` THEN NULL ELSE proconnect_linked_at END
			WHERE u.id = $1 RETURNING `+userColumns, c.UserID, c.OldEmail, c.ConfirmedAt), &u)
		if isUniqueViolation(err, "users_email_key") {
			return apperr.ErrConflict
		}
		if err != nil {
			return err
		}
		if err := endAllSessions(ctx, tx, u.ID); err != nil {
			return err
		}
		var resetHash []byte
		reset, resetHash = account.NewToken()
		return insertToken(ctx, tx, u.ID, account.PurposeResetPassword, u.Email, resetHash)
	})
	if err != nil {
		return u, "", fmt.Errorf("postgres.CancelEmailChange: %w", err)
	}
	return u, reset, nil
}

// endAllSessions deletes every stored session of a user, voids every link not yet used and withdraws a pending
// change of address (whoever held a session may have asked for it); the caller bumps the session epoch in the
// same transaction, so that a session written back concurrently is refused too.
func endAllSessions(ctx context.Context, tx pgx.Tx, userID int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE account_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
		return err
	}
	return withdrawEmailChange(ctx, tx, userID)
}

// withdrawEmailChange drops a user's pending change of address, if any: its confirmation link stops working.
func withdrawEmailChange(ctx context.Context, q interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, userID int64) error {
	_, err := q.Exec(ctx, `UPDATE email_changes SET cancelled_at = now()
		WHERE user_id = $1 AND confirmed_at IS NULL AND cancelled_at IS NULL`, userID)
	return err
}
