package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/mail"
	"campus/internal/programme"
)

// Tailored-programme requests: an administration's request, its workflow with notes and mails, and the
// programme an accepted request becomes.

// SubmitProgrammeRequest records a request with its first follow-up link, of a token it draws
// (account.NewToken: only its hash is stored), and queues the acknowledgement that carries the link
// (mail.ProgrammeReceived). It returns the request's id and that token, for the caller to lead the requester
// to the follow-up page.
func (s *Store) SubmitProgrammeRequest(ctx context.Context, r programme.Request, userID int64) (id int64, followToken string, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO programme_requests (administration, contact_name, contact_email, contact_phone,
			contact_role, need, audience, headcount, timing, user_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			r.Administration, r.ContactName, r.ContactEmail, r.ContactPhone, r.ContactRole, r.Need, r.Audience, r.Headcount,
			r.Timing, nullID(userID)).Scan(&id); err != nil {
			return err
		}
		var followHash []byte
		followToken, followHash = account.NewToken()
		if _, err := tx.Exec(ctx, `INSERT INTO programme_request_links (hash, request_id) VALUES ($1, $2)`, followHash, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO programme_request_domains (request_id, domain_id)
			SELECT $1, id FROM domains WHERE slug = ANY($2)`, id, refSlugs(r.Domains)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO programme_request_audiences (request_id, audience_id)
			SELECT $1, id FROM audiences WHERE slug = ANY($2)`, id, refSlugs(r.Audiences)); err != nil {
			return err
		}
		return enqueueMail(ctx, tx, mail.ProgrammeReceived(r.ContactEmail, s.followLink(followToken)))
	})
	if err != nil {
		return 0, "", fmt.Errorf("postgres.SubmitProgrammeRequest: %w", err)
	}
	return id, followToken, nil
}

// followLink is the follow-up link of a request's token.
func (s *Store) followLink(token string) string {
	return s.mails.Link("/programmes-sur-mesure/suivi/" + token)
}

func refSlugs(rs []programme.Ref) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Slug)
	}
	return out
}

// refsOf is the aggregate of a request's linked rows as three parallel arrays (ids, slugs, titles).
func refsOf(join, order string) string {
	agg := func(col string) string {
		return `coalesce((SELECT array_agg(` + col + ` ORDER BY ` + order + `) ` + join + `), '{}')`
	}
	return agg("x.id") + ", " + agg("x.slug") + ", " + agg("x.title")
}

var programmeRequestColumns = `pr.id, pr.administration, pr.contact_name, pr.contact_email, pr.contact_phone, pr.contact_role,
	pr.need, pr.audience, pr.headcount, pr.timing, pr.status, pr.proposal_title, pr.proposal, pr.created_at, pr.updated_at,
	pr.answer, pr.answered_at,
	coalesce(t.id, 0), coalesce(t.slug, ''), coalesce(t.title, ''), coalesce(t.restricted, false), ` +
	refsOf(`FROM programme_request_domains rd JOIN domains x ON x.id = rd.domain_id WHERE rd.request_id = pr.id`, "x.position, x.id") + ", " +
	refsOf(`FROM programme_request_audiences ra JOIN (SELECT id, slug, label AS title, position FROM audiences) x ON x.id = ra.audience_id
		WHERE ra.request_id = pr.id`, "x.position, x.id") + ", " +
	refsOf(`FROM programme_request_modules rm JOIN modules x ON x.id = rm.module_id WHERE rm.request_id = pr.id`, "rm.position")

const programmeRequestFrom = ` FROM programme_requests pr LEFT JOIN tracks t ON t.id = pr.track_id`

func scanProgrammeRequest(row pgx.Row, r *programme.Request) error {
	var trackID int64
	var trackSlug, trackTitle string
	var restricted bool
	var ids [3][]int64
	var slugs, titles [3][]string
	err := row.Scan(&r.ID, &r.Administration, &r.ContactName, &r.ContactEmail, &r.ContactPhone, &r.ContactRole, &r.Need,
		&r.Audience, &r.Headcount, &r.Timing, &r.Status, &r.ProposalTitle, &r.Proposal, &r.CreatedAt, &r.UpdatedAt,
		&r.Answer, &r.AnsweredAt,
		&trackID, &trackSlug, &trackTitle, &restricted,
		&ids[0], &slugs[0], &titles[0], &ids[1], &slugs[1], &titles[1], &ids[2], &slugs[2], &titles[2])
	if err != nil {
		return err
	}
	refs := func(i int) []programme.Ref {
		var out []programme.Ref
		for j := range ids[i] {
			out = append(out, programme.Ref{ID: ids[i][j], Slug: slugs[i][j], Title: titles[i][j]})
		}
		return out
	}
	r.Domains, r.Audiences, r.Modules = refs(0), refs(1), refs(2)
	r.Track, r.TrackRestricted = nil, restricted
	if trackID != 0 {
		r.Track = &programme.Ref{ID: trackID, Slug: trackSlug, Title: trackTitle}
	}
	return nil
}

// ProgrammeRequests lists the requests of a status ("" for all): the oldest first while open, the most recent
// first once closed.
func (s *Store) ProgrammeRequests(ctx context.Context, status string) ([]programme.Request, error) {
	order := `pr.created_at, pr.id`
	if programme.Final(status) {
		order = `pr.updated_at DESC, pr.id DESC`
	}
	rows, err := s.pool.Query(ctx, `SELECT `+programmeRequestColumns+programmeRequestFrom+`
		WHERE $1 = '' OR pr.status = $1 ORDER BY `+order, status)
	if err != nil {
		return nil, fmt.Errorf("postgres.ProgrammeRequests: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (programme.Request, error) {
		var r programme.Request
		err := scanProgrammeRequest(row, &r)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.ProgrammeRequests: %w", err)
	}
	return out, nil
}

// ProgrammeRequestCounts counts the requests by status.
func (s *Store) ProgrammeRequestCounts(ctx context.Context) (map[string]int, error) {
	return s.countByStatus(ctx, "programme_requests", "postgres.ProgrammeRequestCounts")
}

// historyEvents reads the history of a request or of a trainer application (their events tables share one
// shape; table and key are names written in the code), oldest first, with the actor's name.
func historyEvents(ctx context.Context, q querier, table, key string, id int64) ([]programme.Event, error) {
	rows, err := q.Query(ctx, `SELECT e.created_at, coalesce(trim(u.given_name || ' ' || u.usual_name), ''), e.from_status,
		e.to_status, e.message, e.note FROM `+table+` e LEFT JOIN users u ON u.id = e.actor_id
		WHERE e.`+key+` = $1 ORDER BY e.id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (programme.Event, error) {
		var e programme.Event
		err := r.Scan(&e.At, &e.Actor, &e.From, &e.To, &e.Message, &e.Note)
		return e, err
	})
}

func programmeEvents(ctx context.Context, q querier, id int64) ([]programme.Event, error) {
	return historyEvents(ctx, q, "programme_request_events", "request_id", id)
}

func (s *Store) programmeRequestWhere(ctx context.Context, op, where string, arg any) (programme.Request, error) {
	var r programme.Request
	if err := scanProgrammeRequest(s.pool.QueryRow(ctx, `SELECT `+programmeRequestColumns+programmeRequestFrom+` WHERE `+where, arg), &r); err != nil {
		return r, fmt.Errorf("%s: %w", op, notFound(err))
	}
	var err error
	if r.Events, err = programmeEvents(ctx, s.pool, r.ID); err != nil {
		return r, fmt.Errorf("%s: %w", op, err)
	}
	return r, nil
}

// ProgrammeRequest returns a request with its history.
func (s *Store) ProgrammeRequest(ctx context.Context, id int64) (programme.Request, error) {
	return s.programmeRequestWhere(ctx, "postgres.ProgrammeRequest", `pr.id = $1`, id)
}

// ProgrammeRequestByFollowHash returns the request a follow-up link is for.
func (s *Store) ProgrammeRequestByFollowHash(ctx context.Context, hash []byte) (programme.Request, error) {
	return s.programmeRequestWhere(ctx, "postgres.ProgrammeRequestByFollowHash",
		`pr.id = (SELECT request_id FROM programme_request_links WHERE hash = $1)`, hash)
}

// ChangeProgrammeRequest moves a request to another status in one transaction with its history entry and the
// mail to the contact (the request's new status, the change's message, mail.ProgrammeStatus), which carries a
// new follow-up link, of a token it draws (account.NewToken: only its hash is stored). Proposing records the proposal and its
// modules (programme.ErrUnknownModule when one is not published); accepting creates the tailored programme: a track for
// the administration with the proposal's modules, published when public, otherwise kept out of the public
// catalogue and shown only to the administration's agents.
func (s *Store) ChangeProgrammeRequest(ctx context.Context, id int64, c programme.Change, actor admin.Actor) (programme.Request, error) {
	var r programme.Request
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var from string
		var access []programme.AccessEntry // a restricted programme's first access list
		if err := tx.QueryRow(ctx, `SELECT status FROM programme_requests WHERE id = $1 FOR UPDATE`, id).Scan(&from); err != nil {
			return notFound(err)
		}
		if !programme.CanTransition(from, c.To) {
			return programme.ErrTransition
		}
		switch c.To {
		case programme.StatusProposed:
			if _, err := tx.Exec(ctx, `UPDATE programme_requests SET proposal_title = $2, proposal = $3, answer = '', answered_at = NULL WHERE id = $1`,
				id, c.Title, c.Proposal); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM programme_request_modules WHERE request_id = $1`, id); err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, `INSERT INTO programme_request_modules (request_id, module_id, position)
				SELECT $1, m.id, x.ord FROM unnest($2::bigint[]) WITH ORDINALITY AS x(id, ord)
				JOIN modules m ON m.id = x.id AND m.status = 'published'`, id, c.Modules)
			if err != nil {
				return err
			}
			if int(tag.RowsAffected()) != len(c.Modules) {
				return programme.ErrUnknownModule
			}
		case programme.StatusAccepted:
			trackID, err := createProgramme(ctx, tx, id, c.Public, &access)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE programme_requests SET track_id = $2 WHERE id = $1`, id, trackID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE programme_requests SET status = $2, updated_at = now() WHERE id = $1`, id, c.To); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO programme_request_events (request_id, actor_id, from_status, to_status, message, note)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, nullID(actor.ID), from, c.To, c.Message, c.Note); err != nil {
			return err
		}
		followToken, followHash := account.NewToken()
		if _, err := tx.Exec(ctx, `INSERT INTO programme_request_links (hash, request_id) VALUES ($1, $2)`, followHash, id); err != nil {
			return err
		}
		if err := scanProgrammeRequest(tx.QueryRow(ctx, `SELECT `+programmeRequestColumns+programmeRequestFrom+` WHERE pr.id = $1`, id), &r); err != nil {
			return err
		}
		after := map[string]string{"statut": programme.StatusLabel(c.To), "message": c.Message, "note": c.Note}
		if r.Track != nil {
			after["programme"] = r.Track.Slug
		}
		if r.Track != nil && r.TrackRestricted {
			after["accès réservé"] = admin.JoinList(programme.AccessLines(access))
		}
		if err := Audit(ctx, tx, actor, "programme_request", id, r.Administration, admin.ActionStatus,
			map[string]string{"statut": programme.StatusLabel(from)}, after); err != nil {
			return err
		}
		name, err := provenName(ctx, tx, r.ContactEmail) // never the name typed in the request
		if err != nil {
			return err
		}
		return enqueueMail(ctx, tx, mail.ProgrammeStatus(r.ContactEmail, name, catalogue.Date(r.CreatedAt),
			programme.StatusLabel(r.Status), c.Message, s.followLink(followToken)))
	})
	if err != nil {
		return r, fmt.Errorf("postgres.ChangeProgrammeRequest: %w", err)
	}
	return r, nil
}

// createProgramme creates the track of an accepted request from its proposal: its modules in order, its
// audiences, the main domain of its modules; restricted programmes stay out of the published catalogue, with
// their first access list in *access.
func createProgramme(ctx context.Context, tx pgx.Tx, requestID int64, public bool, access *[]programme.AccessEntry) (int64, error) {
	var title, proposal, administration string
	if err := tx.QueryRow(ctx, `SELECT proposal_title, proposal, administration FROM programme_requests WHERE id = $1`, requestID).
		Scan(&title, &proposal, &administration); err != nil {
		return 0, err
	}
	slug, err := uniqueSlug(ctx, tx, programme.Slug(title), "programme", // tracks and modules share the catalogue's namespace
		`SELECT EXISTS (SELECT 1 FROM tracks WHERE slug = $1) OR EXISTS (SELECT 1 FROM modules WHERE slug = $1)`)
	if err != nil {
		return 0, err
	}
	status := catalogue.StatusPublished
	if !public {
		status = catalogue.StatusDraft
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO tracks (slug, domain_id, title, summary, description, administration, status, restricted)
		SELECT $1, (SELECT m.domain_id FROM programme_request_modules rm JOIN modules m ON m.id = rm.module_id
		            WHERE rm.request_id = $2 GROUP BY m.domain_id ORDER BY count(*) DESC, min(rm.position) LIMIT 1),
		       $3, $4, $5, $6, $7, $8
		RETURNING id`, slug, requestID, title, "Programme sur mesure conçu avec "+administration+".", proposal, administration,
		status, !public).Scan(&id)
	if err != nil {
		return 0, err
	}
	if !public {
		// The access list starts with the domain of the contact's address when an account has proved it (an
		// admin completes it on the programme's page); otherwise it is empty and nobody sees the programme yet.
		var verified string
		err := tx.QueryRow(ctx, `SELECT u.email FROM programme_requests pr
			JOIN users u ON u.email = pr.contact_email AND u.email_verified_at IS NOT NULL WHERE pr.id = $1`, requestID).Scan(&verified)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return 0, err
		}
		*access = programme.PrefillAccess(verified)
		if err := setTrackAccess(ctx, tx, id, *access); err != nil {
			return 0, err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO track_modules (track_id, module_id, position)
		SELECT $1, module_id, row_number() OVER (ORDER BY position) FROM programme_request_modules WHERE request_id = $2`, id, requestID); err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO track_audiences (track_id, audience_id)
		SELECT $1, audience_id FROM programme_request_audiences WHERE request_id = $2`, id, requestID)
	return id, err
}

// RestrictedProgrammes returns the restricted programmes open to a viewer — those whose access list holds one of
// the viewer's keys (programme.Viewer.Keys: their ProConnect SIRET and its SIREN, the domains of their confirmed
// address) —, archived ones aside, with their published modules in order (two queries). This is the one place
// that shows a restricted programme outside the back-office: the public catalogue never does (TrackBySlug, and
// a restricted track is never published).
func (s *Store) RestrictedProgrammes(ctx context.Context, v programme.Viewer) ([]programme.Programme, error) {
	keys := v.Keys()
	if len(keys) == 0 {
		return nil, nil
	}
	kinds, values := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		kinds[i], values[i] = k.Kind, k.Value
	}
	rows, err := s.pool.Query(ctx, `SELECT id, slug, title, summary, description, administration FROM tracks
		WHERE restricted AND status <> 'archived' AND id IN (SELECT a.track_id FROM track_access a
		  JOIN unnest($1::text[], $2::text[]) AS k(kind, value) ON a.kind = k.kind AND a.value = k.value)
		ORDER BY title COLLATE "fr-x-icu", id`, kinds, values)
	if err != nil {
		return nil, fmt.Errorf("postgres.RestrictedProgrammes: %w", err)
	}
	var ids []int64
	var out []programme.Programme
	for rows.Next() {
		var id int64
		var p programme.Programme
		if err := rows.Scan(&id, &p.Slug, &p.Title, &p.Summary, &p.Description, &p.Administration); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres.RestrictedProgrammes: %w", err)
		}
		ids = append(ids, id)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres.RestrictedProgrammes: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err = s.pool.Query(ctx, `SELECT `+moduleCardColumns+`, tm.track_id`+moduleCardFrom+`
		JOIN track_modules tm ON tm.module_id = m.id
		WHERE tm.track_id = ANY($1) AND m.status = 'published' ORDER BY tm.track_id, tm.position`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres.RestrictedProgrammes: modules: %w", err)
	}
	defer rows.Close()
	index := map[int64]int{}
	for i, id := range ids {
		index[id] = i
	}
	for rows.Next() {
		var trackID int64
		var c catalogue.ModuleCard
		if err := scanModuleCard(rows, &c, &trackID); err != nil {
			return nil, fmt.Errorf("postgres.RestrictedProgrammes: modules: %w", err)
		}
		i := index[trackID]
		out[i].Modules = append(out[i].Modules, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres.RestrictedProgrammes: modules: %w", err)
	}
	return out, nil
}

// RequestAudiences lists the catalogue's audiences in display order, for the request form.
func (s *Store) RequestAudiences(ctx context.Context) ([]catalogue.Audience, error) {
	as, err := s.audiences(ctx, `SELECT id, slug, label, description FROM audiences ORDER BY position, id`)
	if err != nil {
		return nil, fmt.Errorf("postgres.RequestAudiences: %w", err)
	}
	return as, nil
}

// ProposalModules lists the published modules (by title), for a proposal's module list.
func (s *Store) ProposalModules(ctx context.Context) ([]catalogue.ModuleCard, error) {
	return s.moduleCards(ctx, "postgres.ProposalModules", "true", 0)
}

// ProgrammesPendingWork counts what waits for an admin in the programmes (one query): licence requests
// waiting in a pool with free licences (blocked by a quota), trainer applications to review, tailored-
// programme requests to answer, restricted programmes that nobody can see yet (an empty access list).
func (s *Store) ProgrammesPendingWork(ctx context.Context) ([]admin.Pending, error) {
	var licences, applications, requests, closed int
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM licence_requests r JOIN licence_pools lp ON lp.id = r.pool_id
		  WHERE r.status = 'waiting' AND lp.allocated < lp.size),
		(SELECT count(*) FROM trainer_applications WHERE status = 'recue'),
		(SELECT count(*) FROM programme_requests WHERE status IN ('recue', 'en_etude')),
		(SELECT count(*) FROM tracks t WHERE t.restricted AND t.status <> 'archived'
		  AND NOT EXISTS (SELECT 1 FROM track_access a WHERE a.track_id = t.id))`).Scan(&licences, &applications, &requests, &closed)
	if err != nil {
		return nil, fmt.Errorf("postgres.ProgrammesPendingWork: %w", err)
	}
	return []admin.Pending{
		{Label: "Candidatures de formateurs à examiner", Count: applications, Href: "/admin/formateurs"},
		{Label: "Demandes de programmes sur mesure à traiter", Count: requests, Href: "/admin/demandes-sur-mesure"},
		{Label: "Demandes de licence en attente bloquées par un quota", Count: licences, Href: "/admin/licences"},
		{Label: "Programmes réservés sans liste d’accès (personne ne les voit)", Count: closed, Href: "/admin/programmes"},
	}, nil
}

// AnswerProgrammeRequest records the requester's answer to the proposal of the request a follow-up link is for,
// with its history entry and its audit entry, in one transaction: accepting leaves the request proposed, for the
// team to record the acceptance (which creates the programme); asking for changes takes it back to study;
// declining ends it. Only a proposed request without an answer may be answered (programme.ErrAnswered,
// programme.ErrTransition otherwise).
func (s *Store) AnswerProgrammeRequest(ctx context.Context, followHash []byte, answer, message string) (programme.Request, error) {
	var r programme.Request
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var id int64
		var status, current string
		if err := tx.QueryRow(ctx, `SELECT pr.id, pr.status, pr.answer FROM programme_requests pr
			WHERE pr.id = (SELECT request_id FROM programme_request_links WHERE hash = $1) FOR UPDATE`, followHash).Scan(&id, &status, &current); err != nil {
			return notFound(err)
		}
		if status != programme.StatusProposed {
			return programme.ErrTransition
		}
		if current != "" {
			return programme.ErrAnswered
		}
		to := status
		switch answer {
		case programme.AnswerChanges:
			to = programme.StatusStudy
		case programme.AnswerDecline:
			to = programme.StatusDeclined
		case programme.AnswerAccept:
		default:
			return programme.ErrTransition
		}
		if _, err := tx.Exec(ctx, `UPDATE programme_requests SET answer = CASE WHEN $2 = 'modifications' THEN '' ELSE $2 END,
			answered_at = now(), status = $3, updated_at = now() WHERE id = $1`, id, answer, to); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO programme_request_events (request_id, from_status, to_status, message, note)
			VALUES ($1, $2, $3, $4, $5)`, id, status, to, message, programme.AnswerLabel(answer)); err != nil {
			return err
		}
		if err := scanProgrammeRequest(tx.QueryRow(ctx, `SELECT `+programmeRequestColumns+programmeRequestFrom+` WHERE pr.id = $1`, id), &r); err != nil {
			return err
		}
		return Audit(ctx, tx, admin.Actor{Name: "demandeur (" + r.ContactEmail + ")"}, "programme_request", id, r.Administration,
			admin.ActionStatus, map[string]string{"statut": programme.StatusLabel(status)},
			map[string]string{"statut": programme.StatusLabel(to), "réponse": programme.AnswerLabel(answer), "message": message})
	})
	if err != nil {
		return r, fmt.Errorf("postgres.AnswerProgrammeRequest: %w", err)
	}
	if r.Events, err = programmeEvents(ctx, s.pool, r.ID); err != nil {
		return r, fmt.Errorf("postgres.AnswerProgrammeRequest: %w", err)
	}
	return r, nil
}

// MoveProposalModule moves a module of a request's proposal one place up or down, while the proposal waits for the
// requester's answer: the programme's track takes this order when it is created.
func (s *Store) MoveProposalModule(ctx context.Context, requestID, moduleID int64, up bool, actor admin.Actor) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var status, administration string
		if err := tx.QueryRow(ctx, `SELECT status, administration FROM programme_requests WHERE id = $1 FOR UPDATE`, requestID).Scan(&status, &administration); err != nil {
			return notFound(err)
		}
		if status != programme.StatusProposed {
			return programme.ErrProposalAnswered
		}
		type proposed struct {
			id   int64
			slug string
		}
		modules, err := queryAll(ctx, tx, func(r pgx.Row, m *proposed) error { return r.Scan(&m.id, &m.slug) },
			`SELECT m.id, m.slug FROM programme_request_modules rm JOIN modules m ON m.id = rm.module_id
			WHERE rm.request_id = $1 ORDER BY rm.position`, requestID)
		if err != nil {
			return err
		}
		ids, slugs := make([]int64, len(modules)), make([]string, len(modules))
		for k, m := range modules {
			ids[k], slugs[k] = m.id, m.slug
		}
		before := slugList(slugs)
		i := slices.Index(ids, moduleID)
		switch {
		case i < 0:
			return apperr.ErrNotFound
		case up && i == 0:
			return programme.ErrProposalFirst
		case !up && i == len(ids)-1:
			return programme.ErrProposalLast
		}
		j := i + 1
		if up {
			j = i - 1
		}
		ids[i], ids[j] = ids[j], ids[i]
		slugs[i], slugs[j] = slugs[j], slugs[i]
		if _, err := tx.Exec(ctx, `UPDATE programme_request_modules rm SET position = x.ord
			FROM unnest($2::bigint[]) WITH ORDINALITY AS x(id, ord) WHERE rm.request_id = $1 AND rm.module_id = x.id`, requestID, ids); err != nil {
			return err
		}
		// In the audit log as a track's reordering is (admin.ActionModules, the modules' slugs in order).
		return Audit(ctx, tx, actor, "programme_request", requestID, administration, admin.ActionModules,
			map[string]string{"modules": before}, map[string]string{"modules": slugList(slugs)})
	})
	if err != nil {
		return fmt.Errorf("postgres.MoveProposalModule: %w", err)
	}
	return nil
}
