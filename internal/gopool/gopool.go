// Package gopool runs short tasks (API requests) on goroutines that stay
// for a while after a task instead of a new goroutine per task.
//
// A new goroutine starts with a small stack; the API handler's call chain
// (authentication, admission, managed fields, storage) grows it several
// times, and every growth copies the stack. At thousands of requests a
// second that copying was ~5% of the API server's CPU. A goroutine that
// has served one request keeps its grown stack for the next.
package gopool

import (
	"context"
	"net/http"
	"time"
)

// Pool hands tasks to idle workers, starting a worker when none is idle.
// It never queues: a task runs at once, so a task may wait for another
// (a watch for the write it observes) without deadlock.
type Pool struct {
	tasks chan func()
	idle  time.Duration
	stop  <-chan struct{}
}

// New returns a pool whose workers end after idle without a task, and all
// once ctx ends (tasks still run then, each on its own goroutine).
func New(ctx context.Context, idle time.Duration) *Pool {
	return &Pool{tasks: make(chan func()), idle: idle, stop: ctx.Done()}
}

// Go runs task on an idle worker, or on a new one.
func (p *Pool) Go(task func()) {
	select {
	case p.tasks <- task:
	default:
		go p.work(task)
	}
}

// work runs task, then the tasks handed to it until it was idle too long
// or the pool stopped.
func (p *Pool) work(task func()) {
	task()
	t := time.NewTimer(p.idle)
	defer t.Stop()
	for {
		select {
		case task := <-p.tasks:
			task()
			t.Reset(p.idle)
		case <-t.C:
			return
		case <-p.stop:
			return
		}
	}
}

// Handler serves each request of h on a pool worker while the server's own
// goroutine waits for it. A panic (http.ErrAbortHandler included) is
// raised again on the server's goroutine, where net/http expects it.
func (p *Pool) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done := make(chan any, 1)
		p.Go(func() {
			defer func() { done <- recover() }()
			h.ServeHTTP(w, r)
		})
		if v := <-done; v != nil {
			panic(v)
		}
	})
}
