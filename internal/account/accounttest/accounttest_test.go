package accounttest_test

import (
	"testing"

	"campus/internal/account"
	"campus/internal/account/accounttest"
)

func TestHash_VerifiedByThePortal(t *testing.T) {
	h := accounttest.Hash("cheval agrafe pile correcte")
	if !account.VerifyPassword(h, "cheval agrafe pile correcte") {
		t.Fatalf("the portal refuses the test hash %q", h)
	}
	if account.VerifyPassword(h, "cheval agrafe pile correctE") {
		t.Fatal("the test hash accepts another password")
	}
	if accounttest.Hash("cheval agrafe pile correcte") != h {
		t.Fatal("the hash of a password is not kept")
	}
}
