package postgres

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"campus/internal/enrolment"
)

// Attestation codes (migration 00013): the public, unguessable reference of an attestation de formation.

var codeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newAttestationCode is 120 random bits as 24 lower-case base32 letters and digits.
func newAttestationCode() string {
	b := make([]byte, 15)
	rand.Read(b)
	return strings.ToLower(codeEncoding.EncodeToString(b))
}

var attestationCodeRE = regexp.MustCompile(`^[a-z2-7]{24}$`)

// PlausibleAttestationCode reports whether s can be an attestation code, so that anything else answers 404
// before any query.
func PlausibleAttestationCode(s string) bool { return attestationCodeRE.MatchString(s) }

// AttestationCode returns the verification code of an enrolment's attestation, made on first use. The caller
// has checked that the training was followed.
func (s *Store) AttestationCode(ctx context.Context, enrolmentID int64) (string, error) {
	for range 2 {
		var code string
		err := s.pool.QueryRow(ctx, `WITH made AS (
				INSERT INTO attestation_codes (enrolment_id, code) VALUES ($1, $2) ON CONFLICT (enrolment_id) DO NOTHING RETURNING code)
			SELECT code FROM made UNION ALL SELECT code FROM attestation_codes WHERE enrolment_id = $1`,
			enrolmentID, newAttestationCode()).Scan(&code)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // made by a concurrent request after this statement's snapshot: read it again
		}
		if err != nil {
			return "", fmt.Errorf("postgres.AttestationCode: %w", err)
		}
		return code, nil
	}
	return "", fmt.Errorf("postgres.AttestationCode: no code for enrolment %d", enrolmentID)
}

// AttestationByCode returns the enrolment an attestation code was made for, whatever its status now (the caller
// tells a withdrawn attestation from a valid one). Unknown code: apperr.ErrNotFound.
func (s *Store) AttestationByCode(ctx context.Context, code string) (enrolment.Enrolment, error) {
	e, err := oneEnrolment(ctx, s.pool, `WHERE e.id = (SELECT enrolment_id FROM attestation_codes WHERE code = $1)`, code)
	if err != nil {
		return e, fmt.Errorf("postgres.AttestationByCode: %w", err)
	}
	return e, nil
}
