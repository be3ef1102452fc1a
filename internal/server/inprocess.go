package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"

	"rudder/internal/apiserver/auth"
)

// inProcessTransport hands the requests of a component running in the
// API server's process (the controller manager, the scheduler) straight
// to the server's handler: the same authentication, authorization,
// admission and encoding as over the network, without TLS, HTTP/2
// framing and the loopback socket, which were a tenth of the server's CPU
// at scale. The component's identity travels in the request context.
type inProcessTransport struct {
	// handler is the API handler, nil until the server built it.
	handler func() http.Handler
	// done ends every in-process request (the server closing).
	done context.Context
	// run runs a request's handler call (a goroutine pool); nil: go.
	run  func(func())
	user auth.User
}

// goRun runs fn on the transport's runner, or on a goroutine of its own.
func (t *inProcessTransport) goRun(fn func()) {
	if t.run == nil {
		go fn()
		return
	}
	t.run(fn)
}

var errServerNotReady = errors.New("in-process API server is not serving yet")

func (t *inProcessTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	handler := t.handler()
	if handler == nil {
		return nil, errServerNotReady
	}
	ctx, cancel := context.WithCancel(auth.WithInProcessUser(req.Context(), t.user))
	stopWithServer := context.AfterFunc(t.done, cancel)
	r := req.Clone(ctx)
	r.RemoteAddr = "in-process"
	r.RequestURI = req.URL.RequestURI()
	if r.Body == nil {
		r.Body = http.NoBody
	}
	w := newInProcessWriter()
	t.goRun(func() {
		defer stopWithServer()
		defer w.finish()
		defer func() {
			// The API handler recovers every panic but http.ErrAbortHandler,
			// which net/http turns into a cut connection: cut the body.
			if p := recover(); p != nil {
				w.pipe.abort()
			}
		}()
		handler.ServeHTTP(w, r)
	})
	select {
	case <-w.headersDone:
	case <-ctx.Done():
		cancel()
		w.pipe.closeRead() // nobody will read what the handler still writes
		return nil, ctx.Err()
	}
	return &http.Response{
		Status:        strconv.Itoa(w.status) + " " + http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.sent,
		Body:          &inProcessBody{pipe: w.pipe, cancel: cancel},
		ContentLength: -1,
		Request:       req,
	}, nil
}

// inProcessWriter is the handler's side of an in-process response.
type inProcessWriter struct {
	header      http.Header
	sent        http.Header // the header as of WriteHeader
	status      int
	pipe        *bufPipe
	once        sync.Once
	headersDone chan struct{}
}

func newInProcessWriter() *inProcessWriter {
	return &inProcessWriter{header: http.Header{}, pipe: newBufPipe(), headersDone: make(chan struct{})}
}

func (w *inProcessWriter) Header() http.Header { return w.header }

func (w *inProcessWriter) WriteHeader(status int) {
	w.once.Do(func() {
		w.status, w.sent = status, w.header.Clone()
		close(w.headersDone)
	})
}

func (w *inProcessWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.pipe.Write(b)
}

// Flush is a no-op: written bytes are readable at once.
func (w *inProcessWriter) Flush() {}

func (w *inProcessWriter) finish() {
	w.WriteHeader(http.StatusOK)
	w.pipe.closeWrite()
}

// inProcessBody is the client's side; closing it ends the request (a
// watch's handler sees its context cancelled).
type inProcessBody struct {
	pipe   *bufPipe
	cancel context.CancelFunc
}

func (b *inProcessBody) Read(p []byte) (int, error) { return b.pipe.Read(p) }

func (b *inProcessBody) Close() error {
	b.cancel()
	b.pipe.closeRead()
	return nil
}

// bufPipe is an in-memory pipe whose writes do not wait for the reader
// until maxBuffered bytes are pending (a watch stream to a slow reader
// then waits, as a socket would).
type bufPipe struct {
	mu   sync.Mutex
	cond *sync.Cond
	// buf[off:] is pending; a drained buffer is reused, so a watch
	// stream does not allocate per event.
	buf         []byte
	off         int
	readClosed  bool
	writeClosed bool
	aborted     bool // the writer ended abnormally: the reader gets an error
}

const maxBuffered = 4 << 20

var errReaderGone = errors.New("in-process response reader closed")

func newBufPipe() *bufPipe {
	p := &bufPipe{}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *bufPipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf)-p.off >= maxBuffered && !p.readClosed {
		p.cond.Wait()
	}
	if p.readClosed {
		return 0, errReaderGone
	}
	p.buf = append(p.buf, b...)
	p.cond.Broadcast()
	return len(b), nil
}

func (p *bufPipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) == p.off && !p.writeClosed && !p.readClosed {
		p.cond.Wait()
	}
	if p.readClosed {
		return 0, io.ErrClosedPipe
	}
	if len(p.buf) == p.off {
		if p.aborted {
			return 0, io.ErrUnexpectedEOF
		}
		return 0, io.EOF
	}
	n := copy(b, p.buf[p.off:])
	p.off += n
	if p.off == len(p.buf) {
		// Drained: reuse the buffer unless a burst made it large.
		p.off = 0
		if cap(p.buf) > 64<<10 {
			p.buf = nil
		} else {
			p.buf = p.buf[:0]
		}
	}
	p.cond.Broadcast()
	return n, nil
}

func (p *bufPipe) closeWrite() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writeClosed = true
	p.cond.Broadcast()
}

// abort ends the stream with an error for the reader.
func (p *bufPipe) abort() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.aborted, p.writeClosed = true, true
	p.cond.Broadcast()
}

func (p *bufPipe) closeRead() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.readClosed, p.buf, p.off = true, nil, 0
	p.cond.Broadcast()
}
