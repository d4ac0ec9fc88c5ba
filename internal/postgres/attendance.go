package postgres

// Attendance per day or half-day (migration 00015, rules in internal/enrolment/attendance.go) and absences
// declared by agents.

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/apperr"
	"campus/internal/enrolment"
)

// AttendanceMarks returns the marks of a session's enrolments: enrolment id → slot key → present.
func (s *Store) AttendanceMarks(ctx context.Context, sessionID int64) (map[int64]map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT a.enrolment_id, a.slot, a.present FROM attendance_marks a
		JOIN enrolments e ON e.id = a.enrolment_id WHERE e.session_id = $1`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("postgres.AttendanceMarks: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[string]bool{}
	for rows.Next() {
		var id int64
		var slot string
		var present bool
		if err := rows.Scan(&id, &slot, &present); err != nil {
			return nil, fmt.Errorf("postgres.AttendanceMarks: %w", err)
		}
		if out[id] == nil {
			out[id] = map[string]bool{}
		}
		out[id][slot] = present
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres.AttendanceMarks: %w", err)
	}
	return out, nil
}

// EnrolmentMarks returns the marks of one enrolment: slot key → present.
func (s *Store) EnrolmentMarks(ctx context.Context, enrolmentID int64) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT slot, present FROM attendance_marks WHERE enrolment_id = $1`, enrolmentID)
	if err != nil {
		return nil, fmt.Errorf("postgres.EnrolmentMarks: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var slot string
		var present bool
		if err := rows.Scan(&slot, &present); err != nil {
			return nil, fmt.Errorf("postgres.EnrolmentMarks: %w", err)
		}
		out[slot] = present
	}
	return out, rows.Err()
}

// MarkSlotAttendance records present (true) or absent (false) for enrolments of a session on one of its slots
// (a day, or a half-day), once the slot has begun and the session has started; every id must be an enrolment
// of this session holding a confirmed seat (or already marked). Each enrolment's status follows its marks:
// attended when present at least once, absent otherwise. markedBy is the trainer or admin. It returns how many
// marks changed. An unknown slot is apperr.ErrNotFound.
func (s *Store) MarkSlotAttendance(ctx context.Context, sessionID int64, slotKey string, marks map[int64]bool, markedBy int64) (int, error) {
	changed := 0
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		changed = 0
		var slot enrolment.Slot
		_, list, err := lockMarks(ctx, tx, sessionID, marks, func(slots []enrolment.Slot, now time.Time) error {
			var ok bool
			if slot, ok = enrolment.FindSlot(slots, slotKey); !ok {
				return apperr.ErrNotFound
			}
			return enrolment.CheckSlotAttendance(slot, now)
		})
		if err != nil {
			return err
		}
		ids, present := markedIDs(list, marks)
		tag, err := tx.Exec(ctx, `INSERT INTO attendance_marks (enrolment_id, slot, present, marked_by)
			SELECT x.id, $3, x.p, nullif($4, 0) FROM unnest($1::bigint[], $2::bool[]) AS x(id, p)
			ON CONFLICT (enrolment_id, slot) DO UPDATE SET present = EXCLUDED.present, marked_at = now(), marked_by = EXCLUDED.marked_by
			WHERE attendance_marks.present <> EXCLUDED.present`, ids, present, slot.Key(), markedBy)
		if err != nil {
			return err
		}
		changed = int(tag.RowsAffected())
		return followMarks(ctx, tx, ids)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.MarkSlotAttendance: %w", err)
	}
	return changed, nil
}

// lockMarks is the start of every write of a session's attendance, in its transaction: it locks the session, lets
// check refuse at the session's clock (nil: nothing more to check), then locks the enrolments that marks names
// (id → present), which must all be of this session (apperr.ErrNotFound otherwise) and hold a seat whose
// attendance may be noted now (enrolment.CheckAttendance). It returns the session's slots and the enrolments, in
// the order of their ids.
func lockMarks(ctx context.Context, tx pgx.Tx, sessionID int64, marks map[int64]bool,
	check func(slots []enrolment.Slot, now time.Time) error) ([]enrolment.Slot, []enrolment.Enrolment, error) {
	sess, _, now, err := lockSession(ctx, tx, sessionID)
	if err != nil {
		return nil, nil, err
	}
	slots := enrolment.Slots(sess)
	if check != nil {
		if err := check(slots, now); err != nil {
			return nil, nil, err
		}
	}
	list, err := lockMarked(ctx, tx, `e.session_id = $1`, sessionID, marks)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range list {
		if err := enrolment.CheckAttendance(e, now); err != nil {
			return nil, nil, err
		}
	}
	return slots, list, nil
}

// markedIDs lays out the marks of the enrolments of list as the arrays the statements unnest: ids and present.
func markedIDs(list []enrolment.Enrolment, marks map[int64]bool) ([]int64, []bool) {
	ids, present := make([]int64, len(list)), make([]bool, len(list))
	for i, e := range list {
		ids[i], present[i] = e.ID, marks[e.ID]
	}
	return ids, present
}

// followMarks sets the status of marked enrolments from their marks (confirmed, attended and absent may follow
// each other: enrolment.transitions), in one statement.
func followMarks(ctx context.Context, tx pgx.Tx, ids []int64) error {
	_, err := tx.Exec(ctx, `WITH st AS (
			SELECT e.id, CASE WHEN bool_or(a.present) THEN 'attended' ELSE 'no_show' END AS status
			FROM enrolments e JOIN attendance_marks a ON a.enrolment_id = e.id
			WHERE e.id = ANY($1) AND e.status IN ('confirmed', 'attended', 'no_show') GROUP BY e.id)
		UPDATE enrolments e SET status = st.status, attendance_at = now(), updated_at = now(), version = e.version + 1
		FROM st WHERE e.id = st.id AND e.status <> st.status`, ids)
	return err
}

// writeWholeMarks records the marks of every slot of a session for enrolments marked for the whole session.
func writeWholeMarks(ctx context.Context, tx pgx.Tx, slots []enrolment.Slot, ids []int64, present []bool) error {
	keys := make([]string, len(slots))
	for i, sl := range slots {
		keys[i] = sl.Key()
	}
	_, err := tx.Exec(ctx, `INSERT INTO attendance_marks (enrolment_id, slot, present)
		SELECT x.id, k.slot, x.p FROM unnest($1::bigint[], $2::bool[]) AS x(id, p) CROSS JOIN unnest($3::text[]) AS k(slot)
		ON CONFLICT (enrolment_id, slot) DO UPDATE SET present = EXCLUDED.present, marked_at = now()
		WHERE attendance_marks.present <> EXCLUDED.present`, ids, present, keys)
	return err
}

// DeclareAbsence is the agent declaring they will not come to a session, with a reason: before the
// cancellation cut-off the enrolment is cancelled (reason absence) and the seat goes to the waitlist in the same
// transaction; after it (and until the start) the seat is kept and the absence recorded as excused. It returns
// the enrolment and what was done ("cancel" or "excuse"). Refusals: not a seat in a session, started, already
// declared, no reason.
func (s *Store) DeclareAbsence(ctx context.Context, userID, enrolmentID int64, reason string) (enrolment.Enrolment, string, error) {
	reason, err := enrolment.CleanAbsenceReason(reason)
	if err != nil {
		return enrolment.Enrolment{}, "", err
	}
	e, err := oneEnrolment(ctx, s.pool, `WHERE e.id = $1 AND e.user_id = $2`, enrolmentID, userID)
	if err != nil {
		return e, "", fmt.Errorf("postgres.DeclareAbsence: %w", err)
	}
	var now time.Time
	if err := s.pool.QueryRow(ctx, `SELECT now()`).Scan(&now); err != nil {
		return e, "", fmt.Errorf("postgres.DeclareAbsence: %w", err)
	}
	what, err := enrolment.AbsenceOutcome(e, now)
	if err != nil {
		return e, "", err
	}
	if what == "cancel" {
		e, err = s.cancelWith(ctx, enrolmentID, userID, enrolment.ReasonAbsence, reason, s.mails)
		if err != nil {
			return e, "", fmt.Errorf("postgres.DeclareAbsence: %w", err)
		}
		return e, what, nil
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE enrolments SET absence_reason = $3, absence_declared_at = now(), updated_at = now(), version = version + 1
			WHERE id = $1 AND user_id = $2 AND status = 'confirmed' AND absence_declared_at IS NULL`, enrolmentID, userID, reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return enrolment.ErrAbsenceChanged
		}
		if e, err = oneEnrolment(ctx, tx, `WHERE e.id = $1`, enrolmentID); err != nil {
			return err
		}
		return notify(ctx, tx, s.mails, enrolment.KindAbsence, e)
	})
	if err != nil {
		return e, "", fmt.Errorf("postgres.DeclareAbsence: %w", err)
	}
	return e, what, nil
}
