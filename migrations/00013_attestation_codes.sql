-- +goose Up
-- The public verification code of each attestation de formation (issue 15): random and unguessable (not the
-- enrolment's number), printed with a QR code on the attestation and read by /attestations/verifier/{code}.
-- It is made when the attestation is first shown. The attestation is withdrawn when its training is no longer
-- recorded as followed (attendance corrected, completion undone): the page says so. Deleting the enrolment (its
-- account) deletes the code.
CREATE TABLE attestation_codes (
    enrolment_id bigint PRIMARY KEY REFERENCES enrolments (id) ON DELETE CASCADE,
    code         text NOT NULL UNIQUE CHECK (code ~ '^[a-z2-7]{24}$'),
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE attestation_codes;
