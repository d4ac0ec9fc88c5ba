// Package accounttest gives tests password hashes that are quick to check. The portal's own parameters
// (account.HashPassword: argon2id, 19 MiB, 2 passes) cost 0.1 s a hash, and 0.3–0.4 s under the race detector;
// a suite that creates and signs in hundreds of accounts spent minutes there. The hashes here are real
// argon2id PHC strings with the smallest cost, which account.VerifyPassword checks like any other (it reads
// the cost from the hash), so sign-in goes through the real code. Production hashes never come from here.
package accounttest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"

	"golang.org/x/crypto/argon2"
)

var hashes sync.Map // password → hash

// Hash returns an argon2id hash of password (1 MiB, 1 pass), the same for every call with that password.
func Hash(password string) string {
	if h, ok := hashes.Load(password); ok {
		return h.(string)
	}
	const memory, passes, lanes, keyLen = 1024, 1, 1, 32
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, passes, memory, lanes, keyLen)
	h := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, passes, lanes,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	actual, _ := hashes.LoadOrStore(password, h)
	return actual.(string)
}
