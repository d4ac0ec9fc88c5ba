package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Purposes of the single-use links sent by mail.
const (
	PurposeVerifyEmail   = "verify_email"
	PurposeResetPassword = "reset_password"
)

// Lifetimes of the links.
const (
	VerifyEmailTTL   = 48 * time.Hour
	ResetPasswordTTL = time.Hour
)

// TTL is the lifetime of a link for purpose.
func TTL(purpose string) time.Duration {
	if purpose == PurposeResetPassword {
		return ResetPasswordTTL
	}
	return VerifyEmailTTL
}

// NewToken returns a random token for a link (256 bits, URL-safe) and the hash under which it is stored:
// the database never holds a usable token.
func NewToken() (token string, hash []byte) {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather than return an error since Go 1.24)
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken is the stored form of a token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// PlausibleToken reports whether s has the shape of a token, so that garbage is refused without a query.
func PlausibleToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}
