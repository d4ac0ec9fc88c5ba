package account

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password policy.
const (
	MinPassword = 12  // characters
	MaxPassword = 128 // characters; bounds the work of hashing
)

//go:embed common_passwords.txt
var commonPasswordsFile string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			m[line] = true
		}
	}
	return m
})

// leet maps the usual substitutions back to letters ("p@ssw0rd" → "password").
var leet = strings.NewReplacer("@", "a", "4", "a", "0", "o", "1", "i", "!", "i", "3", "e", "$", "s", "5", "s", "7", "t", "€", "e")

// CheckPassword returns a French message when password does not satisfy the policy, or "". email, when
// given, may not appear in the password.
func CheckPassword(password, email string) string {
	if !utf8.ValidString(password) {
		return "Le mot de passe contient des caractères non valides."
	}
	n := utf8.RuneCountInString(password)
	switch {
	case n == 0:
		return "Choisissez un mot de passe."
	case n < MinPassword:
		return fmt.Sprintf("Le mot de passe doit contenir au moins %d caractères (actuellement %d).", MinPassword, n)
	case n > MaxPassword:
		return fmt.Sprintf("Le mot de passe ne doit pas dépasser %d caractères.", MaxPassword)
	}
	if Common(password) {
		return "Ce mot de passe fait partie des plus courants ou est trop prévisible : choisissez-en un autre, " +
			"par exemple une phrase de plusieurs mots."
	}
	if local, _, _ := strings.Cut(NormalizeEmail(email), "@"); len(local) >= 4 && strings.Contains(strings.ToLower(password), local) {
		return "Le mot de passe ne doit pas contenir votre adresse électronique."
	}
	return ""
}

// Common reports whether a password is one of the common ones, possibly decorated with digits and
// punctuation, written with the usual letter substitutions, a repetition of a short pattern, a run of
// consecutive characters, or made of too few different characters.
func Common(password string) bool {
	p := strings.ToLower(password)
	list := commonPasswords()
	if list[p] {
		return true
	}
	distinct := map[rune]bool{}
	for _, r := range p {
		distinct[r] = true
	}
	if len(distinct) < 5 || repeated(p) || sequential(p) {
		return true
	}
	core := strings.TrimFunc(p, func(r rune) bool {
		return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r)
	})
	if core == "" {
		// Only digits and punctuation: a date, a phone number, a keyboard walk.
		return len(distinct) < 8
	}
	for _, c := range []string{core, leet.Replace(core), strings.ReplaceAll(core, " ", "")} {
		if list[c] || repeated(c) {
			return true
		}
		// Two common roots glued together ("azertymotdepasse").
		for i := 1; i < len(c); i++ {
			if list[c[:i]] && list[c[i:]] {
				return true
			}
		}
	}
	return false
}

// repeated reports whether s is a shorter string repeated ("abcabcabc").
func repeated(s string) bool {
	for size := 1; size <= len(s)/2; size++ {
		if len(s)%size == 0 && strings.Repeat(s[:size], len(s)/size) == s {
			return true
		}
	}
	return false
}

// sequential reports whether s is a run of consecutive characters, up or down ("123456789012", "lkjihgfedcba").
func sequential(s string) bool {
	r := []rune(s)
	if len(r) < 3 {
		return false
	}
	up, down := true, true
	for i := 1; i < len(r); i++ {
		d := r[i] - r[i-1]
		// '0' after '9' continues a run of digits.
		if !(d == 1 || (r[i-1] == '9' && r[i] == '0')) {
			up = false
		}
		if !(d == -1 || (r[i-1] == '0' && r[i] == '9')) {
			down = false
		}
	}
	return up || down
}

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// hashSlots bounds how many hashes are computed at once: each takes 19 MiB, so a flood of sign-in
// attempts queues rather than exhausting memory.
var hashSlots = make(chan struct{}, 2*runtime.GOMAXPROCS(0))

func argonKey(password string, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(password), salt, time, memory, threads, keyLen)
}

// HashPassword hashes a password with argon2id and a random salt, in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("account.HashPassword: %w", err)
	}
	key := argonKey(password, salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

var errBadHash = errors.New("account: malformed password hash")

// VerifyPassword reports whether password matches the PHC hash, comparing in constant time. An empty
// hash (an account without a password) never matches, but costs the same time as a real comparison so
// that response times do not tell which accounts exist.
func VerifyPassword(hash, password string) bool {
	if hash == "" {
		hash = dummyHash()
		password += "\x00never"
	}
	ok, err := verify(hash, password)
	return err == nil && ok
}

// SpendVerification takes the time of a password verification and returns false: used for unknown
// addresses so that timing does not reveal whether an account exists.
func SpendVerification(password string) bool {
	VerifyPassword("", password)
	return false
}

var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("campus-dummy-password-for-timing")
	if err != nil {
		panic(err)
	}
	return h
})

func verify(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil ||
		memory == 0 || memory > 256*1024 || time == 0 || time > 10 || threads == 0 {
		return false, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false, errBadHash
	}
	got := argonKey(password, salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
