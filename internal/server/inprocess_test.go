package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"rudder/internal/apiserver/auth"
)

// TestInProcessClient: a component's in-process client creates, reads,
// lists and watches like a network client, its writes carry its name as
// field manager, and closing a watch ends it on the server side.
func TestInProcessClient(t *testing.T) {
	s := startTestServer(t, func(o *Options) { o.DisableAgent = true })
	c := inProcessClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cms := c.CoreV1().ConfigMaps("default")
	w, err := cms.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	created, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "inproc"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if len(created.ManagedFields) != 1 || created.ManagedFields[0].Manager != "system:test-component" {
		t.Errorf("managed fields %+v, want the component as manager", created.ManagedFields)
	}
	if _, err := cms.Create(ctx, created, metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Errorf("second create: got %v, want AlreadyExists", err)
	}
	got, err := cms.Get(ctx, "inproc", metav1.GetOptions{})
	if err != nil || got.Data["k"] != "v" {
		t.Fatalf("get: %v %+v", err, got)
	}
	list, err := cms.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=inproc"})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("list: %v %+v", err, list)
	}
	ev := nextEvent(t, ctx, w)
	if ev.Type != watch.Added || ev.Object.(*corev1.ConfigMap).Name != "inproc" {
		t.Fatalf("watch event %s %T", ev.Type, ev.Object)
	}
	w.Stop()
	for {
		select {
		case _, open := <-w.ResultChan():
			if !open {
				return
			}
		case <-ctx.Done():
			t.Fatal("watch did not end after Stop")
		}
	}
}

func TestInProcessRequestsEndWithTheServer(t *testing.T) {
	s := startTestServer(t, func(o *Options) { o.DisableAgent = true })
	c := inProcessClient(t, s)
	w, err := c.CoreV1().ConfigMaps("default").Watch(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	s.Close()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case _, open := <-w.ResultChan():
			if !open {
				return
			}
		case <-deadline:
			t.Fatal("an in-process watch outlived the server")
		}
	}
}

func TestBufPipe(t *testing.T) {
	p := newBufPipe()
	for _, s := range []string{"ab", "c", "def"} {
		if _, err := p.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	p.closeWrite()
	got, err := io.ReadAll(readerOf(p))
	if err != nil || string(got) != "abcdef" {
		t.Fatalf("read %q, %v; want abcdef", got, err)
	}

	// Partial reads, a drained (reused) buffer and later writes keep order.
	p = newBufPipe()
	one := make([]byte, 1)
	for _, step := range []struct{ write, want string }{{"ab", "a"}, {"", "b"}, {"cd", "c"}, {"ef", "d"}} {
		if step.write != "" {
			if _, err := p.Write([]byte(step.write)); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := p.Read(one); err != nil || n != 1 || string(one) != step.want {
			t.Fatalf("read %q (%d, %v), want %q", one[:n], n, err, step.want)
		}
	}
	p.closeWrite()
	if rest, err := io.ReadAll(readerOf(p)); err != nil || string(rest) != "ef" {
		t.Fatalf("rest %q, %v; want ef", rest, err)
	}

	// A writer past the bound waits for the reader, and fails once the
	// reader is gone instead of waiting for ever.
	p = newBufPipe()
	if _, err := p.Write(make([]byte, maxBuffered)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := p.Write([]byte("x"))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("write past the bound returned at once (%v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	p.closeRead()
	select {
	case err := <-done:
		if !errors.Is(err, errReaderGone) {
			t.Fatalf("blocked write returned %v, want errReaderGone", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("blocked write did not return after the reader closed")
	}
}

type pipeReader struct{ p *bufPipe }

func (r pipeReader) Read(b []byte) (int, error) { return r.p.Read(b) }

func readerOf(p *bufPipe) io.Reader { return io.MultiReader(pipeReader{p}, bytes.NewReader(nil)) }

// inProcessClient is what the controllers get: a clientset over the
// server's in-process transport.
func inProcessClient(t *testing.T, s *Server) kubernetes.Interface {
	t.Helper()
	cfg, err := s.ClientConfig("system:test-component", []string{auth.GroupMasters})
	if err != nil {
		t.Fatal(err)
	}
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestInProcessAbortedResponse: a handler aborting its response (as a
// proxy does with http.ErrAbortHandler) cuts the client's body with an
// error instead of taking the process down; before the API handler
// exists, requests fail cleanly.
func TestInProcessAbortedResponse(t *testing.T) {
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, ok, _ := auth.InProcess().Authenticate(r); !ok || u.Name != "system:test-component" {
			t.Errorf("request identity %+v, %v; want the component's", u, ok)
		}
		_, _ = w.Write([]byte("partial"))
		panic(http.ErrAbortHandler)
	})
	tr := &inProcessTransport{handler: func() http.Handler { return h }, done: context.Background(),
		user: auth.User{Name: "system:test-component"}}
	req, _ := http.NewRequest(http.MethodGet, "http://in-process.rudder.local/x", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "partial" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("body %q, err %v; want the partial body and io.ErrUnexpectedEOF", body, err)
	}

	notYet := &inProcessTransport{handler: func() http.Handler { return nil }, done: context.Background()}
	if _, err := notYet.RoundTrip(req); !errors.Is(err, errServerNotReady) {
		t.Fatalf("before the handler exists: %v, want errServerNotReady", err)
	}
}
