package web

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Work done after the answer. Sign-up, sign-in and the password-reset request answer alike whether an account
// exists, is confirmed or not (auth.go), but the work that depends on it (creating the account, issuing a link
// and queueing its mail: two to four statements more on one side than on the other) would still make one
// answer a few milliseconds slower than the other: a timing oracle that tells whether an address has an
// account. That work goes to the server's one worker and is done after the answer; the handler only hands it
// over, which costs the same on every path. The worker takes the work in order; Settle waits until what was
// handed over before it is done (`serve` calls it after the last answer, the tests' servers after each one).
type afterwards struct {
	once sync.Once
	jobs chan afterJob
}

type afterJob struct {
	name string
	do   func(context.Context) error
	done chan struct{} // closed when the job has run
}

// afterJobTimeout bounds one job: a few statements on the database.
const afterJobTimeout = 30 * time.Second

// afterAnswer hands do over to the worker, to run once the answer to r is given. It waits only while the
// queue is full (then for at most the request's own life: a job not handed over is logged, never retried).
// A job's error is logged: nothing of it may reach the answer.
func (s *Server) afterAnswer(r *http.Request, name string, do func(context.Context) error) {
	j := afterJob{name: name, do: do, done: make(chan struct{})}
	select {
	case s.after.queue(s) <- j:
	case <-r.Context().Done():
		s.log.Error("work after the answer not handed over", "job", name, "err", r.Context().Err())
	}
}

// Settle waits until the work handed over before the call is done, or ctx ends.
func (s *Server) Settle(ctx context.Context) error {
	j := afterJob{name: "settle", do: func(context.Context) error { return nil }, done: make(chan struct{})}
	select {
	case s.after.queue(s) <- j:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// queue is the worker's queue, started on first use; the worker lives as long as the process.
func (a *afterwards) queue(s *Server) chan<- afterJob {
	a.once.Do(func() {
		a.jobs = make(chan afterJob, 256)
		go func() {
			for j := range a.jobs {
				if err := runAfterJob(j); err != nil {
					s.log.Error("work after the answer failed", "job", j.name, "err", err)
				}
				close(j.done)
			}
		}()
	})
	return a.jobs
}

// runAfterJob runs one job with its own deadline (the request's context has ended); a panic is an error, so
// that the worker goes on.
func runAfterJob(j afterJob) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), afterJobTimeout)
	defer cancel()
	return j.do(ctx)
}
