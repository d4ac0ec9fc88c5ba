package postgres

import (
	"context"
	"sync"
	"time"

	"campus/internal/enrolment"
)

// batcher is a Store's in-process serialisation of the work on sessions (enrolments.go): the gates that the
// transactions locking a session row pass first, and the queues of enrolment requests per session, served in
// batches. Each Store has its own (Open makes it): two stores, two instances.
type batcher struct {
	// gates serialise, within this store, the transactions that lock a given session row: under a crowd on
	// one session, the waiting happens here instead of in Postgres, so that the waiters do not hold pool
	// connections that other requests need. The row lock still serialises across instances.
	// Waiters enter in order of arrival (a channel's blocked senders are served first in, first out) and give
	// up when their request does.
	gates [128]chan struct{}

	mu     sync.Mutex
	queues map[int64]*enrolQueue // the waiting requests per session, in order of arrival
}

func newBatcher() *batcher {
	b := &batcher{queues: map[int64]*enrolQueue{}}
	for i := range b.gates {
		b.gates[i] = make(chan struct{}, 1)
	}
	return b
}

// enterGate waits for the gate of a session; the returned function leaves it.
func (b *batcher) enterGate(ctx context.Context, sessionID int64) (func(), error) {
	g := b.gates[uint64(sessionID)%uint64(len(b.gates))]
	select {
	case g <- struct{}{}:
		return func() { <-g }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// An enrolment request waiting for its session.
type enrolCall struct {
	userID  int64
	who     enrolment.Person
	manager string // the line manager's address, for a session that requires approval
	mailer  enrolment.Mailer
	done    chan enrolResult // buffered: the server never blocks on a caller that left
}

type enrolResult struct {
	out enrolment.Outcome
	err error
}

type enrolQueue struct {
	calls   []*enrolCall
	serving bool // a goroutine serves the queue
}

// maxEnrolBatch bounds the requests one transaction serves.
const maxEnrolBatch = 200

// submit queues call for its session; the first request of an idle queue starts serving it (serve).
func (b *batcher) submit(s *Store, sessionID int64, call *enrolCall) {
	b.mu.Lock()
	q := b.queues[sessionID]
	if q == nil {
		q = &enrolQueue{}
		b.queues[sessionID] = q
	}
	q.calls = append(q.calls, call)
	lead := !q.serving
	q.serving = true
	b.mu.Unlock()
	if lead {
		go b.serve(s, sessionID, q)
	}
}

// serve serves a session's queue, batch after batch (Store.enrolBatch), until it is empty. It runs on its own
// context: a batch serves several callers, none of which may cancel it for the others.
func (b *batcher) serve(s *Store, sessionID int64, q *enrolQueue) {
	for {
		b.mu.Lock()
		calls := q.calls
		if len(calls) > maxEnrolBatch {
			calls = calls[:maxEnrolBatch]
		}
		q.calls = q.calls[len(calls):]
		if len(calls) == 0 {
			q.serving = false
			delete(b.queues, sessionID)
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		results := s.enrolBatch(ctx, sessionID, calls)
		cancel()
		for i, c := range calls {
			c.done <- results[i]
		}
	}
}
