package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/mail"
	"campus/internal/trainer"
)

// The call for trainers: applications, their review, the trainers' profiles, the sessions they give and their
// community.

// callLink is the page of the call for trainers, which the mails to applicants link to.
func (s *Store) callLink() string {
	return s.mails.Link("/devenir-formateur")
}

// SubmitTrainerApplication records an application and acknowledges it by mail. When an application for the
// same address is already under review nothing is recorded, the applicant is told by mail, and created is
// false: the page answers the same either way.
func (s *Store) SubmitTrainerApplication(ctx context.Context, a trainer.Application) (id int64, created bool, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO trainer_applications (email, given_name, usual_name, kind, organisation, job_title,
			expertise, modules, availability, community)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (email) WHERE status IN ('recue', 'complement') DO NOTHING RETURNING id`,
			a.Email, a.GivenName, a.UsualName, a.Kind, a.Organisation, a.JobTitle, a.Expertise, a.Modules, a.Availability,
			a.Community).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return enqueueMail(ctx, tx, mail.TrainerDuplicate(a.Email, s.callLink()))
		}
		if err != nil {
			return err
		}
		created = true
		slugs := make([]string, 0, len(a.Domains))
		for _, d := range a.Domains {
			slugs = append(slugs, d.Slug)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO trainer_application_domains (application_id, domain_id)
			SELECT $1, id FROM domains WHERE slug = ANY($2)`, id, slugs); err != nil {
			return err
		}
		a.ID = id
		return enqueueMail(ctx, tx, mail.TrainerReceived(a.Email, s.callLink()))
	})
	if err != nil {
		return 0, false, fmt.Errorf("postgres.SubmitTrainerApplication: %w", err)
	}
	return id, created, nil
}

const applicationColumns = `a.id, a.email, a.given_name, a.usual_name, a.kind, a.organisation, a.job_title, a.expertise,
	a.modules, a.availability, a.community, a.status, coalesce(a.user_id, 0), a.created_at, a.updated_at, a.decided_at,
	coalesce((SELECT array_agg(d.id ORDER BY d.position, d.id) FROM trainer_application_domains ad JOIN domains d ON d.id = ad.domain_id
	  WHERE ad.application_id = a.id), '{}'),
	coalesce((SELECT array_agg(d.slug ORDER BY d.position, d.id) FROM trainer_application_domains ad JOIN domains d ON d.id = ad.domain_id
	  WHERE ad.application_id = a.id), '{}'),
	coalesce((SELECT array_agg(d.title ORDER BY d.position, d.id) FROM trainer_application_domains ad JOIN domains d ON d.id = ad.domain_id
	  WHERE ad.application_id = a.id), '{}')`

func scanApplication(row pgx.Row, a *trainer.Application) error {
	var ids []int64
	var slugs, titles []string
	err := row.Scan(&a.ID, &a.Email, &a.GivenName, &a.UsualName, &a.Kind, &a.Organisation, &a.JobTitle, &a.Expertise,
		&a.Modules, &a.Availability, &a.Community, &a.Status, &a.UserID, &a.CreatedAt, &a.UpdatedAt, &a.DecidedAt, &ids, &slugs, &titles)
	a.Domains = nil
	for i := range ids {
		a.Domains = append(a.Domains, trainer.Ref{ID: ids[i], Slug: slugs[i], Title: titles[i]})
	}
	return err
}

// TrainerApplications lists the applications of a status ("" for all): the oldest first while under review,
// the most recent decisions first otherwise.
func (s *Store) TrainerApplications(ctx context.Context, status string) ([]trainer.Application, error) {
	order := `a.created_at, a.id`
	if status == trainer.StatusAccepted || status == trainer.StatusDeclined {
		order = `a.decided_at DESC NULLS LAST, a.id DESC`
	}
	out, err := queryAll(ctx, s.pool, scanApplication, `SELECT `+applicationColumns+` FROM trainer_applications a
		WHERE $1 = '' OR a.status = $1 ORDER BY `+order, status)
	if err != nil {
		return nil, fmt.Errorf("postgres.TrainerApplications: %w", err)
	}
	return out, nil
}

// TrainerApplicationCounts counts the applications by status.
func (s *Store) TrainerApplicationCounts(ctx context.Context) (map[string]int, error) {
	return s.countByStatus(ctx, "trainer_applications", "postgres.TrainerApplicationCounts")
}

func applicationEvents(ctx context.Context, q querier, id int64) ([]trainer.Event, error) {
	return historyEvents(ctx, q, "trainer_application_events", "application_id", id)
}

// TrainerApplication returns an application with its history.
func (s *Store) TrainerApplication(ctx context.Context, id int64) (trainer.Application, error) {
	var a trainer.Application
	if err := scanApplication(s.pool.QueryRow(ctx, `SELECT `+applicationColumns+` FROM trainer_applications a WHERE a.id = $1`, id), &a); err != nil {
		return a, fmt.Errorf("postgres.TrainerApplication: %w", notFound(err))
	}
	var err error
	if a.Events, err = applicationEvents(ctx, s.pool, id); err != nil {
		return a, fmt.Errorf("postgres.TrainerApplication: %w", err)
	}
	return a, nil
}

// TrainerDecision is an administrator's decision on an application.
type TrainerDecision struct {
	Decision string // trainer.Decision*
	Message  string // to the applicant (the question when asking for more)
	Note     string // internal
	Actor    admin.Actor
}

// WelcomeTTL is how long an accepted trainer's link to choose a password works.
const WelcomeTTL = 7 * 24 * time.Hour

// DecideTrainerApplication applies a decision in one transaction with its mail. Accepting makes the
// applicant a trainer: the account of the application's address gets the trainer role (an administrator keeps
// theirs) and a trainer profile from the application — but only an account whose address is proven: the form
// is anonymous, so an unconfirmed account of that address may belong to someone else. Without one, the
// acceptance waits (awaiting_account) and the role goes to the first account that proves the address
// (claimTrainerRole). A decision the application's status does not allow is trainer.ErrTransition.
//
// The mail carries a single-use link of a token the store draws (account.NewToken: only its hash is stored):
// asking for more, the link to answer; accepting an applicant without a proven account, the link to choose a
// password (a password-reset link valid WelcomeTTL; an account without password is made for the address when
// there is none). Choosing it proves the address, which gives the trainer role.
func (s *Store) DecideTrainerApplication(ctx context.Context, id int64, d TrainerDecision) (trainer.Application, error) {
	var a trainer.Application
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := scanApplication(tx.QueryRow(ctx, `SELECT `+applicationColumns+` FROM trainer_applications a WHERE a.id = $1 FOR UPDATE OF a`, id), &a); err != nil {
			return notFound(err)
		}
		to, err := trainer.Next(a.Status, d.Decision)
		if err != nil {
			return err
		}
		var m mail.Message
		name, err := provenName(ctx, tx, a.Email) // never the name typed in the application
		if err != nil {
			return err
		}
		switch to {
		case trainer.StatusAccepted:
			var userID int64
			var welcome string // the link to choose a password, awaiting an account
			var role string
			err := tx.QueryRow(ctx, `SELECT id, role FROM users WHERE email = $1 AND email_verified_at IS NOT NULL FOR UPDATE`,
				a.Email).Scan(&userID, &role)
			switch {
			case err == nil:
				if err := makeTrainer(ctx, tx, userID, role, a); err != nil {
					return err
				}
			case !errors.Is(err, pgx.ErrNoRows):
				return err
			default:
				var accountID int64
				if err := tx.QueryRow(ctx, `INSERT INTO users (email, given_name, usual_name, administration) VALUES ($1, $2, $3, $4)
					ON CONFLICT (email) DO UPDATE SET updated_at = users.updated_at RETURNING id`,
					a.Email, a.GivenName, a.UsualName, a.Organisation).Scan(&accountID); err != nil {
					return err
				}
				token, hash := account.NewToken()
				if err := insertTokenTTL(ctx, tx, accountID, account.PurposeResetPassword, a.Email, hash, WelcomeTTL); err != nil {
					return err
				}
				welcome = s.mails.Link("/reinitialisation/" + token)
			}
			a.UserID = userID
			if _, err := tx.Exec(ctx, `UPDATE trainer_applications SET status = $2, user_id = $3, awaiting_account = $4,
				reply_hash = NULL, decided_at = now(), updated_at = now() WHERE id = $1`, id, to, nullID(userID), userID == 0); err != nil {
				return err
			}
			m = mail.TrainerAccepted(a.Email, name, d.Message, s.mails.Link("/formateur"), welcome, userID == 0)
		case trainer.StatusDeclined:
			if _, err := tx.Exec(ctx, `UPDATE trainer_applications SET status = $2, reply_hash = NULL, decided_at = now(),
				updated_at = now() WHERE id = $1`, id, to); err != nil {
				return err
			}
			m = mail.TrainerDeclined(a.Email, name, d.Message, s.callLink())
		case trainer.StatusMoreInfo:
			token, hash := account.NewToken()
			if _, err := tx.Exec(ctx, `UPDATE trainer_applications SET status = $2, reply_hash = $3, updated_at = now() WHERE id = $1`,
				id, to, hash); err != nil {
				return err
			}
			m = mail.TrainerMoreInfo(a.Email, name, d.Message, s.mails.Link("/devenir-formateur/precisions/"+token))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO trainer_application_events (application_id, actor_id, from_status, to_status, message, note)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, nullID(d.Actor.ID), a.Status, to, d.Message, d.Note); err != nil {
			return err
		}
		if err := Audit(ctx, tx, d.Actor, "trainer_application", id, a.Name(), admin.ActionStatus,
			map[string]string{"statut": trainer.StatusLabel(a.Status)},
			map[string]string{"statut": trainer.StatusLabel(to), "message": d.Message, "note": d.Note}); err != nil {
			return err
		}
		a.Status = to
		return enqueueMail(ctx, tx, m)
	})
	if err != nil {
		return a, fmt.Errorf("postgres.DecideTrainerApplication: %w", err)
	}
	return a, nil
}

// makeTrainer gives an account (locked by the caller) the trainer role, unless its role already grants it,
// and writes its trainer profile from the application.
func makeTrainer(ctx context.Context, tx pgx.Tx, userID int64, role string, a trainer.Application) error {
	if role == account.RoleAgent {
		if _, err := tx.Exec(ctx, `UPDATE users SET role = 'trainer', updated_at = now() WHERE id = $1`, userID); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO trainer_profiles (user_id, kind, organisation, community, application_id)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET kind = EXCLUDED.kind, organisation = EXCLUDED.organisation,
		community = EXCLUDED.community, application_id = EXCLUDED.application_id, updated_at = now()`,
		userID, a.Kind, a.Organisation, a.Community, a.ID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM trainer_profile_domains WHERE user_id = $1`, userID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO trainer_profile_domains (user_id, domain_id)
		SELECT $1, domain_id FROM trainer_application_domains WHERE application_id = $2`, userID, a.ID)
	return err
}

// claimTrainerRole gives u, whose address has just been proven (confirmation, password reset, ProConnect, change
// of address), the trainer role of the latest application accepted for that address while no proven account had
// it. u.Role is updated.
func claimTrainerRole(ctx context.Context, tx pgx.Tx, u *account.User) error {
	var a trainer.Application
	err := scanApplication(tx.QueryRow(ctx, `SELECT `+applicationColumns+` FROM trainer_applications a
		WHERE a.email = $1 AND a.awaiting_account ORDER BY a.decided_at DESC, a.id DESC LIMIT 1 FOR UPDATE OF a`, u.Email), &a)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := makeTrainer(ctx, tx, u.ID, u.Role, a); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE trainer_applications SET awaiting_account = false,
		user_id = CASE WHEN id = $2 THEN $3 ELSE user_id END, updated_at = now()
		WHERE email = $1 AND awaiting_account`, u.Email, a.ID, u.ID); err != nil {
		return err
	}
	if u.Role == account.RoleAgent {
		u.Role = account.RoleTrainer
	}
	return nil
}

// TrainerReplyApplication returns the application a "more information" link is for (apperr.ErrNotFound when
// the link is unknown or already used).
func (s *Store) TrainerReplyApplication(ctx context.Context, hash []byte) (trainer.Application, error) {
	var a trainer.Application
	err := scanApplication(s.pool.QueryRow(ctx, `SELECT `+applicationColumns+` FROM trainer_applications a
		WHERE a.reply_hash = $1 AND a.status = 'complement'`, hash), &a)
	if err != nil {
		return a, fmt.Errorf("postgres.TrainerReplyApplication: %w", notFound(err))
	}
	if a.Events, err = applicationEvents(ctx, s.pool, a.ID); err != nil {
		return a, fmt.Errorf("postgres.TrainerReplyApplication: %w", err)
	}
	return a, nil
}

// TrainerReply records the applicant's answer to a request for more information (the link is then used up)
// and puts the application back in the review queue; modules and availability may be updated with it.
func (s *Store) TrainerReply(ctx context.Context, hash []byte, answer, modules, availability string) (trainer.Application, error) {
	var a trainer.Application
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := scanApplication(tx.QueryRow(ctx, `SELECT `+applicationColumns+` FROM trainer_applications a
			WHERE a.reply_hash = $1 AND a.status = 'complement' FOR UPDATE OF a`, hash), &a); err != nil {
			return notFound(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE trainer_applications SET status = 'recue', reply_hash = NULL, modules = $2,
			availability = $3, updated_at = now() WHERE id = $1`, a.ID, modules, availability); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO trainer_application_events (application_id, from_status, to_status, message)
			VALUES ($1, 'complement', 'recue', $2)`, a.ID, answer)
		a.Status = trainer.StatusReceived
		return err
	})
	if err != nil {
		return a, fmt.Errorf("postgres.TrainerReply: %w", err)
	}
	return a, nil
}

// TrainerProfile returns a trainer's profile (apperr.ErrNotFound for a trainer without one, e.g. made by
// the command line).
func (s *Store) TrainerProfile(ctx context.Context, userID int64) (trainer.Profile, error) {
	var p trainer.Profile
	var ids []int64
	var slugs, titles []string
	err := s.pool.QueryRow(ctx, `SELECT tp.user_id, tp.kind, tp.organisation, tp.community,
		coalesce(array_agg(d.id ORDER BY d.position) FILTER (WHERE d.id IS NOT NULL), '{}'),
		coalesce(array_agg(d.slug ORDER BY d.position) FILTER (WHERE d.id IS NOT NULL), '{}'),
		coalesce(array_agg(d.title ORDER BY d.position) FILTER (WHERE d.id IS NOT NULL), '{}')
		FROM trainer_profiles tp
		LEFT JOIN trainer_profile_domains pd ON pd.user_id = tp.user_id
		LEFT JOIN domains d ON d.id = pd.domain_id
		WHERE tp.user_id = $1 GROUP BY tp.user_id`, userID).Scan(&p.UserID, &p.Kind, &p.Organisation, &p.Community, &ids, &slugs, &titles)
	if err != nil {
		return p, fmt.Errorf("postgres.TrainerProfile: %w", notFound(err))
	}
	for i := range ids {
		p.Domains = append(p.Domains, trainer.Ref{ID: ids[i], Slug: slugs[i], Title: titles[i]})
	}
	return p, nil
}

// SetTrainerCommunity records whether a trainer appears in the community's counts.
func (s *Store) SetTrainerCommunity(ctx context.Context, userID int64, on bool) error {
	tag, err := s.pool.Exec(ctx, `UPDATE trainer_profiles SET community = $2, updated_at = now() WHERE user_id = $1`, userID, on)
	if err == nil && tag.RowsAffected() == 0 {
		err = apperr.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("postgres.SetTrainerCommunity: %w", err)
	}
	return nil
}

// trainerCounted is the trainers who count: a profile whose account still has the trainer role (or admin).
const trainerCounted = `FROM trainer_profiles tp JOIN users u ON u.id = tp.user_id AND u.role IN ('trainer', 'admin')`

// TrainerCommunity counts the trainers who agreed to appear, by kind and by domain (one query).
func (s *Store) TrainerCommunity(ctx context.Context) (trainer.Community, error) {
	var c trainer.Community
	rows, err := s.pool.Query(ctx, `
		SELECT 'kind', tp.kind, '', count(*), 0 `+trainerCounted+` WHERE tp.community GROUP BY tp.kind
		UNION ALL
		SELECT 'domain', d.slug, d.title, count(*), d.position `+trainerCounted+`
		JOIN trainer_profile_domains pd ON pd.user_id = tp.user_id JOIN domains d ON d.id = pd.domain_id
		WHERE tp.community GROUP BY d.slug, d.title, d.position
		ORDER BY 1, 5, 2`)
	if err != nil {
		return c, fmt.Errorf("postgres.TrainerCommunity: %w", err)
	}
	defer rows.Close()
	kinds := map[string]int{}
	for rows.Next() {
		var what, key, label string
		var n, pos int
		if err := rows.Scan(&what, &key, &label, &n, &pos); err != nil {
			return c, fmt.Errorf("postgres.TrainerCommunity: %w", err)
		}
		if what == "kind" {
			kinds[key] = n
			c.Total += n
		} else {
			c.ByDomain = append(c.ByDomain, trainer.Count{Key: key, Label: label, N: n})
		}
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("postgres.TrainerCommunity: %w", err)
	}
	for _, k := range trainer.Kinds {
		c.ByKind = append(c.ByKind, trainer.Count{Key: k, Label: trainer.KindShortLabel(k), N: kinds[k]})
	}
	return c, nil
}

// TrainerSessions returns the sessions a trainer gives (module_sessions.trainer_id, set in the back-office's
// session form), the coming ones first (in date order), then the past
// ones (most recent first).
func (s *Store) TrainerSessions(ctx context.Context, userID int64) ([]catalogue.UpcomingSession, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sessionColumns+`, m.slug, m.title, m.format
		FROM module_sessions ms JOIN modules m ON m.id = ms.module_id
		WHERE ms.trainer_id = $1
		ORDER BY ms.ends_at < now(), CASE WHEN ms.ends_at >= now() THEN ms.starts_at END, ms.starts_at DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres.TrainerSessions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalogue.UpcomingSession, error) {
		var x catalogue.UpcomingSession
		err := scanSession(r, &x.Session, &x.Module.Slug, &x.Module.Title, &x.Format)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.TrainerSessions: %w", err)
	}
	return out, nil
}

// GivesSession reports whether a trainer gives a session.
func (s *Store) GivesSession(ctx context.Context, userID, sessionID int64) (bool, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM module_sessions WHERE trainer_id = $1 AND id = $2)`,
		userID, sessionID).Scan(&ok); err != nil {
		return false, fmt.Errorf("postgres.GivesSession: %w", err)
	}
	return ok, nil
}
