package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/licence"
	"campus/internal/mail"
	"campus/internal/postgres"
	"campus/internal/programme"
	"campus/internal/seed"
	"campus/internal/testdb"
)

// smallPool creates a pool of size licences for Pix, valid around today.
func smallPool(t *testing.T, s *postgres.Store, size int) int64 {
	t.Helper()
	ctx := context.Background()
	partner := testdb.Int64(t, s, `SELECT id FROM partners WHERE slug = 'pix'`)
	now := time.Now().In(catalogue.Paris)
	id, err := s.CreateLicencePool(ctx, licence.NewPool{PartnerID: partner, Name: "Lot de test " + t.Name(), Size: size,
		GrantLabel: "Essai", ValidFrom: now.AddDate(0, -1, 0), ValidUntil: now.AddDate(0, 1, 0)}, system)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// seededPool is the package's shared seeded database with a pool of size licences in it (smallPool).
func seededPool(t *testing.T, size int) (*postgres.Store, int64) {
	t.Helper()
	s := testdb.Seeded(t)
	return s, smallPool(t, s, size)
}

// poolCounts reads the pool's counter and counts its requests by status straight from the tables.
func poolCounts(t *testing.T, s *postgres.Store, pool int64) (allocatedCounter int, byStatus map[string]int) {
	t.Helper()
	byStatus = map[string]int{}
	for _, r := range testdb.Rows[struct {
		Status string
		N      int
	}](t, s, `SELECT status, count(*) FROM licence_requests WHERE pool_id = $1 GROUP BY status`, pool) {
		byStatus[r.Status] = r.N
	}
	return testdb.Int(t, s, `SELECT allocated FROM licence_pools WHERE id = $1`, pool), byStatus
}

// waitingUsers returns the users of the pool's waiting queue, in order, checking the positions are 1…n.
func waitingUsers(t *testing.T, s *postgres.Store, pool int64) []int64 {
	t.Helper()
	rs, n, err := s.PoolRequests(context.Background(), pool, licence.StatusWaiting, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(rs) {
		t.Fatalf("PoolRequests: %d rows, total %d", len(rs), n)
	}
	var out []int64
	for i, r := range rs {
		if r.Position != i+1 {
			t.Fatalf("waiting request %d has position %d, want %d", r.ID, r.Position, i+1)
		}
		out = append(out, r.UserID)
	}
	return out
}

func TestStore_SeedLicencePools(t *testing.T) {
	s := testdb.Seeded(t)
	ctx := context.Background()
	if _, err := s.Seed(ctx, seed.Reference(), time.Now()); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Pool().Query(ctx, `SELECT lp.slug, lp.size, (SELECT sum(quantity) FROM licence_grants g WHERE g.pool_id = lp.id),
		(SELECT count(*) FROM licence_grants g WHERE g.pool_id = lp.id), p.slug
		FROM licence_pools lp JOIN partners p ON p.id = lp.partner_id WHERE lp.slug = ANY($1) ORDER BY lp.slug`,
		[]string{"pix-agents-publics", "openclassrooms-agents-publics"})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var slug, partner string
		var size, sum, grants int
		if err := rows.Scan(&slug, &size, &sum, &grants, &partner); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s:%s:%d:%d:%d", slug, partner, size, sum, grants))
	}
	want := []string{"openclassrooms-agents-publics:openclassrooms:600:600:1", "pix-agents-publics:pix:120000:120000:2"}
	if !slices.Equal(got, want) {
		t.Errorf("seeded pools after two seeds = %v, want %v", got, want)
	}
}

func TestStore_RequestLicence(t *testing.T) {
	t.Parallel()
	s := testdb.NewSeeded(t, "licences_demande", 4)
	ctx := context.Background()
	pool, err := s.CurrentLicencePool(ctx, "pix")
	if err != nil || pool.Size != 120_000 {
		t.Fatalf("CurrentLicencePool(pix) = %+v, %v", pool, err)
	}
	u := agent(t, s, "DINUM")
	r, err := s.RequestLicence(ctx, pool.ID, u)
	if err != nil || r.Status != licence.StatusAllocated || r.AllocatedAt == nil || r.PartnerSlug != "pix" {
		t.Fatalf("RequestLicence = %+v, %v", r, err)
	}
	if got := outboxKinds(t, s, u.Email); fmt.Sprint(got) != "[licence_allocated]" {
		t.Errorf("mails = %v", got)
	}
	t.Run("AskingTwiceChangesNothing", func(t *testing.T) {
		again, err := s.RequestLicence(ctx, pool.ID, u)
		if err != nil || again.ID != r.ID || again.Status != licence.StatusAllocated {
			t.Fatalf("second RequestLicence = %+v, %v", again, err)
		}
		if got := outboxKinds(t, s, u.Email); len(got) != 1 {
			t.Errorf("mails after a second request = %v", got)
		}
	})
	t.Run("MyLicences", func(t *testing.T) {
		rs, err := s.UserLicences(ctx, u.ID)
		if err != nil || len(rs) != 1 || rs[0].ID != r.ID {
			t.Fatalf("UserLicences = %+v, %v", rs, err)
		}
	})
	t.Run("ErrPoolClosed", func(t *testing.T) {
		old := smallPool(t, s, 5)
		testdb.Exec(t, s, `UPDATE licence_pools SET valid_from = '2020-01-01', valid_until = '2020-12-31' WHERE id = $1`, old)
		if _, err := s.RequestLicence(ctx, old, u); !errors.Is(err, licence.ErrPoolClosed) {
			t.Errorf("request on an expired pool: %v", err)
		}
	})
	t.Run("GiveBack", func(t *testing.T) {
		was, err := s.CancelLicence(ctx, r.ID, u.ID)
		if err != nil || was != licence.StatusAllocated {
			t.Fatalf("CancelLicence = %q, %v", was, err)
		}
		other := agent(t, s, "DINUM")
		if _, err := s.CancelLicence(ctx, r.ID, other.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("cancelling another agent's request: %v", err)
		}
	})
}

// TestStore_LicenceNeedsAProvenAddress: a licence (a partner's code, paid for by the State) goes only to an
// account whose address is proven, whether the agent asks or an admin allocates by address.
func TestStore_LicenceNeedsAProvenAddress(t *testing.T) {
	s, pool := seededPool(t, 5)
	ctx := context.Background()
	u := agent(t, s, "DINUM")
	testdb.Exec(t, s, `UPDATE users SET email_verified_at = NULL WHERE id = $1`, u.ID)
	if _, err := s.RequestLicence(ctx, pool, u); !errors.Is(err, licence.ErrUnverified) {
		t.Errorf("request by an unconfirmed account: %v, want ErrUnverified", err)
	}
	if _, err := s.AllocateLicenceTo(ctx, pool, u.Email, system); !errors.Is(err, licence.ErrUnverified) {
		t.Errorf("allocation to an unconfirmed account: %v, want ErrUnverified", err)
	}
	if allocated, _ := poolCounts(t, s, pool); allocated != 0 {
		t.Errorf("%d licences allocated", allocated)
	}
}

// TestStore_LicencePoolConcurrency exhausts a small pool with many concurrent requests: exactly its size is
// allocated, the rest waits in order; revoking then serves the waiting requests in that order.
func TestStore_LicencePoolConcurrency(t *testing.T) {
	s := testdb.Seeded(t)
	ctx := context.Background()
	const size, agents = 10, 120
	pool := smallPool(t, s, size)
	users := make([]account.User, agents)
	for i := range users {
		users[i] = agent(t, s, fmt.Sprintf("Administration %d", i%7))
	}
	var wg sync.WaitGroup
	errs := make(chan error, agents)
	start := make(chan struct{})
	for _, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := s.RequestLicence(ctx, pool, u); err != nil {
				errs <- err
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	counter, by := poolCounts(t, s, pool)
	if counter != size || by[licence.StatusAllocated] != size || by[licence.StatusWaiting] != agents-size {
		t.Fatalf("after %d concurrent requests: counter %d, by status %v; want %d allocated, %d waiting", agents, counter, by, size, agents-size)
	}
	queue := waitingUsers(t, s, pool)
	// The queue is the order in which the requests were recorded (each at its time, under the pool's lock).
	ids := testdb.Column[int64](t, s, `SELECT user_id FROM licence_requests WHERE pool_id = $1 AND status = 'waiting' ORDER BY requested_at, id`, pool)
	if !slices.Equal(queue, ids) {
		t.Fatalf("waiting queue %v is not in request order %v", queue, ids)
	}

	t.Run("RevokeServesTheQueueInOrder", func(t *testing.T) {
		allocated, _, err := s.PoolRequests(ctx, pool, licence.StatusAllocated, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range allocated[:3] {
			got, err := s.RevokeLicence(ctx, r.ID, system, "Départ de l’agent")
			if err != nil || got.Status != licence.StatusRevoked {
				t.Fatalf("RevokeLicence = %+v, %v", got, err)
			}
			if kinds := outboxKinds(t, s, r.UserEmail); kinds[len(kinds)-1] != mail.KindLicenceRevoked {
				t.Errorf("revoked agent's mails = %v", kinds)
			}
			// The first waiting agent got it, and was told.
			served := queue[i]
			open, err := s.UserLicences(ctx, served)
			if err != nil || open[0].Status != licence.StatusAllocated {
				t.Fatalf("agent %d (position %d) after the revocation: %+v, %v", served, i+1, open, err)
			}
			if kinds := outboxKinds(t, s, open[0].UserEmail); fmt.Sprint(kinds) != "[licence_allocated]" {
				t.Errorf("served agent's mails = %v", kinds)
			}
		}
		counter, by := poolCounts(t, s, pool)
		if counter != size || by[licence.StatusAllocated] != size || by[licence.StatusRevoked] != 3 || by[licence.StatusWaiting] != agents-size-3 {
			t.Fatalf("after 3 revocations: counter %d, %v", counter, by)
		}
		if rest := waitingUsers(t, s, pool); !slices.Equal(rest, queue[3:]) {
			t.Errorf("queue after revocations = %v, want %v", rest, queue[3:])
		}
		if _, err := s.RevokeLicence(ctx, allocated[0].ID, system, ""); !errors.Is(err, licence.ErrNotAllocated) {
			t.Errorf("revoking twice: %v", err)
		}
	})

	t.Run("ConcurrentRevocationsAndRequests", func(t *testing.T) {
		allocated, _, err := s.PoolRequests(ctx, pool, licence.StatusAllocated, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for _, r := range allocated[:5] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.RevokeLicence(ctx, r.ID, system, ""); err != nil {
					t.Error(err)
				}
			}()
		}
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.RequestLicence(ctx, pool, agent(t, s, "Autre")); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		counter, by := poolCounts(t, s, pool)
		if counter != size || by[licence.StatusAllocated] != size {
			t.Fatalf("after concurrent revocations and requests: counter %d, %v", counter, by)
		}
		// Nobody who waits was asked before someone who got a licence out of a freed one.
		inversions := testdb.Int(t, s, `SELECT count(*) FROM licence_requests w JOIN licence_requests a ON a.pool_id = w.pool_id
			WHERE w.pool_id = $1 AND w.status = 'waiting' AND a.status = 'allocated' AND a.id > w.id`, pool)
		if inversions != 0 {
			t.Errorf("%d waiting requests were passed over", inversions)
		}
	})

	t.Run("GrantServesTheQueue", func(t *testing.T) {
		before := waitingUsers(t, s, pool)
		served, err := s.AddLicenceGrant(ctx, pool, 4, "Rallonge", system)
		if err != nil || served != 4 {
			t.Fatalf("AddLicenceGrant = %d, %v", served, err)
		}
		if after := waitingUsers(t, s, pool); !slices.Equal(after, before[4:]) {
			t.Errorf("queue after a grant of 4 = %v, want %v", after, before[4:])
		}
		d, err := s.LicencePool(ctx, pool)
		if err != nil || d.Pool.Size != size+4 || d.Pool.Allocated != size+4 || len(d.Grants) != 2 {
			t.Fatalf("LicencePool = %+v, %v", d.Pool, err)
		}
	})
}

func TestStore_LicenceQuotas(t *testing.T) {
	s, pool := seededPool(t, 10)
	ctx := context.Background()
	if _, err := s.SetLicenceQuota(ctx, pool, "Ministère des Armées", 3, system); err != nil {
		t.Fatal(err)
	}
	// 40 agents of the administration (spelt differently) ask at once: exactly 3 get a licence.
	var wg sync.WaitGroup
	spellings := []string{"Ministère des Armées", "ministere des armees", " MINISTÈRE  des armées"}
	for i := range 40 {
		u := agent(t, s, spellings[i%3])
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.RequestLicence(ctx, pool, u); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	d, err := s.LicencePool(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if d.Pool.Allocated != 3 || len(d.Quotas) != 1 || d.Quotas[0].Allocated != 3 || d.Quotas[0].Quota != 3 {
		t.Fatalf("after 40 requests under a quota of 3: pool %d allocated, quotas %+v", d.Pool.Allocated, d.Quotas)
	}
	// Another administration is not held up by the full quota.
	other := agent(t, s, "DINUM")
	r, err := s.RequestLicence(ctx, pool, other)
	if err != nil || r.Status != licence.StatusAllocated {
		t.Fatalf("agent of another administration: %+v, %v", r, err)
	}
	if len(d.Usage) != 1 || d.Usage[0].Allocated != 3 || d.Usage[0].Waiting != 37 || d.Usage[0].Quota != 3 {
		t.Errorf("usage = %+v", d.Usage)
	}

	t.Run("ErrQuotaBelowUsage", func(t *testing.T) {
		_, err := s.SetLicenceQuota(ctx, pool, "ministère des armées", 2, system)
		if !errors.Is(err, licence.ErrQuotaBelowUsage) || !strings.Contains(err.Error(), " 3 licences ") {
			t.Fatalf("lowering the quota below its use: %v", err)
		}
	})
	t.Run("ErrQuotaFull", func(t *testing.T) {
		waiting, _, err := s.PoolRequests(ctx, pool, licence.StatusWaiting, 0, 1)
		if err != nil || len(waiting) != 1 {
			t.Fatalf("PoolRequests = %+v, %v", waiting, err)
		}
		if _, err := s.AllocateLicence(ctx, waiting[0].ID, system); !errors.Is(err, licence.ErrQuotaFull) {
			t.Errorf("allocating out of turn beyond the quota: %v", err)
		}
	})
	t.Run("RaisedQuotaServesTheQueue", func(t *testing.T) {
		served, err := s.SetLicenceQuota(ctx, pool, "Ministère des Armées", 5, system)
		if err != nil || served != 2 {
			t.Fatalf("raising the quota to 5 served %d, %v", served, err)
		}
		// The pool (10) now has 6 allocated; removing the quota lets the queue fill the pool.
		served, err = s.DeleteLicenceQuota(ctx, pool, programme.AdministrationKey("Ministère des Armées"), system)
		if err != nil || served != 4 {
			t.Fatalf("removing the quota served %d, %v", served, err)
		}
		counter, by := poolCounts(t, s, pool)
		if counter != 10 || by[licence.StatusAllocated] != 10 {
			t.Errorf("pool after removing the quota: counter %d, %v", counter, by)
		}
		if _, err := s.AllocateLicenceTo(ctx, pool, agent(t, s, "X").Email, system); !errors.Is(err, licence.ErrPoolFull) {
			t.Errorf("allocating in a full pool: %v", err)
		}
	})
}

func TestStore_ImportLicenceCodes(t *testing.T) {
	s, pool := seededPool(t, 5)
	ctx := context.Background()
	first := agent(t, s, "DINUM")
	if _, err := s.AllocateLicenceTo(ctx, pool, first.Email, system); err != nil {
		t.Fatal(err)
	}
	codes, err := licence.ParseCodes(strings.NewReader("code;lien\nPIX-0001;https://pix.fr/a/1\nPIX-0002;\n;https://pix.fr/a/3\n"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.ImportLicenceCodes(ctx, pool, codes, system)
	if err != nil || n != 3 {
		t.Fatalf("ImportLicenceCodes = %d, %v", n, err)
	}
	// The earlier allocation got the first code, and a mail with it.
	rs := testdb.Must(s.UserLicences(ctx, first.ID))(t)
	if rs[0].Code != "PIX-0001" || rs[0].ActivationURL != "https://pix.fr/a/1" {
		t.Errorf("code of the earlier allocation = %q %q", rs[0].Code, rs[0].ActivationURL)
	}
	if kinds := outboxKinds(t, s, first.Email); fmt.Sprint(kinds) != "[licence_allocated licence_code_ready]" {
		t.Errorf("mails = %v", kinds)
	}
	// A new allocation gets the next code in its first mail.
	second := agent(t, s, "DINUM")
	r, err := s.RequestLicence(ctx, pool, second)
	if err != nil || r.Code != "PIX-0002" {
		t.Fatalf("second allocation: %+v, %v", r, err)
	}

	t.Run("AllOrNothing", func(t *testing.T) {
		dup := testdb.Must(licence.ParseCodes(strings.NewReader("code\nPIX-0009\nPIX-0002\n")))(t)
		_, err := s.ImportLicenceCodes(ctx, pool, dup, system)
		var ie *licence.ImportError
		if !errors.As(err, &ie) || len(ie.Problems) != 1 || ie.Problems[0].Line != 3 {
			t.Fatalf("importing a code already there: %v", err)
		}
		too := testdb.Must(licence.ParseCodes(strings.NewReader("code\nA-0001\nA-0002\nA-0003\n")))(t)
		if _, err := s.ImportLicenceCodes(ctx, pool, too, system); !errors.As(err, &ie) {
			t.Fatalf("importing more codes than licences: %v", err)
		}
		count := testdb.Int(t, s, `SELECT count(*) FROM licence_codes WHERE pool_id = $1`, pool)
		if count != 3 {
			t.Errorf("%d codes after refused imports, want 3", count)
		}
	})
	t.Run("RevokedCodeGoesToTheNext", func(t *testing.T) {
		if _, err := s.RevokeLicence(ctx, r.ID, system, ""); err != nil {
			t.Fatal(err)
		}
		third := agent(t, s, "DINUM")
		r3, err := s.RequestLicence(ctx, pool, third)
		if err != nil || r3.Code == "" {
			t.Fatalf("allocation after a revocation: %+v, %v", r3, err)
		}
	})
}

// TestStore_LicenceOfDeletedAccount: deleting an account gives its licence back to the pool's counter.
func TestStore_LicenceOfDeletedAccount(t *testing.T) {
	s, pool := seededPool(t, 2)
	ctx := context.Background()
	quota := "Préfecture du Nord"
	if _, err := s.SetLicenceQuota(ctx, pool, quota, 1, system); err != nil {
		t.Fatal(err)
	}
	u := agent(t, s, quota)
	if _, err := s.RequestLicence(ctx, pool, u); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	d, err := s.LicencePool(ctx, pool)
	if err != nil || d.Pool.Allocated != 0 || d.Quotas[0].Allocated != 0 {
		t.Fatalf("after deleting the account: pool %+v quotas %+v, %v", d.Pool, d.Quotas, err)
	}
}
