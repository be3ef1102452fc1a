package gopool

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"
)

// A task that waits for a later task must not deadlock: Go never queues.
func TestGoNeverQueues(t *testing.T) {
	p := New(t.Context(), time.Minute)
	release := make(chan struct{})
	first := make(chan struct{})
	p.Go(func() { close(first); <-release })
	<-first
	p.Go(func() { close(release) })
	select {
	case <-release:
	case <-time.After(10 * time.Second):
		t.Fatal("the second task did not run while the first waited for it")
	}
}

// Workers are reused: many sequential tasks do not leave many goroutines,
// and none outlives the pool's context.
func TestWorkersAreReusedAndStop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	base := runtime.NumGoroutine()
	p := New(ctx, time.Minute)
	for range 200 {
		done := make(chan struct{})
		p.Go(func() { close(done) })
		<-done
	}
	if n := runtime.NumGoroutine() - base; n > 10 {
		t.Fatalf("%d goroutines after 200 sequential tasks, want a few reused workers", n)
	}
	cancel()
	waitFor(t, func() bool { return runtime.NumGoroutine() <= base })
}

func TestIdleWorkersEnd(t *testing.T) {
	base := runtime.NumGoroutine()
	p := New(t.Context(), 10*time.Millisecond)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		p.Go(wg.Done)
	}
	wg.Wait()
	waitFor(t, func() bool { return runtime.NumGoroutine() <= base })
}

func TestHandlerServesAndReraisesPanics(t *testing.T) {
	p := New(t.Context(), time.Minute)
	ok := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	rec := httptest.NewRecorder()
	ok.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusTeapot {
		t.Fatalf("status %d, want 418", rec.Code)
	}
	aborting := p.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	defer func() {
		v := recover()
		if err, _ := v.(error); !errors.Is(err, http.ErrAbortHandler) {
			t.Fatalf("recovered %v on the caller, want http.ErrAbortHandler", v)
		}
	}()
	aborting.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	t.Fatal("the handler's panic did not reach the caller")
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
