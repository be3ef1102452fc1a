package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// serveLogs serves /containerLogs/{namespace}/{pod}/{container}.
func (s *Server) serveLogs(w http.ResponseWriter, r *http.Request) {
	ns, pod, ctr := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	opts, err := parseLogOptions(r.URL.Query(), time.Now())
	if err != nil {
		writeError(w, err)
		return
	}
	st, err := s.pickInstance(r.Context(), ns, pod, ctr, opts.previous)
	if err != nil {
		writeError(w, err)
		return
	}
	if st.LogPath == "" {
		writeError(w, badRequest("container %q in pod %q has no log file", ctr, pod))
		return
	}
	lr, err := openLineReader(st.LogPath)
	if err != nil {
		writeError(w, badRequest("container %q in pod %q: opening log: %v", ctr, pod, err))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	ls := &logStream{s: s, path: st.LogPath, id: st.Id, opts: opts, lr: lr,
		out: &logPrinter{w: w, opts: opts}, flush: flusher(w)}
	// The stream may switch files on rotation: close whichever is open last.
	defer func() { ls.lr.close() }()
	if err := ls.run(r.Context()); err != nil && !errors.Is(err, errLimitReached) && r.Context().Err() == nil {
		s.cfg.Logger.Warn("streaming container log", "pod", ns+"/"+pod, "container", ctr, "err", err)
	}
}

func flusher(w http.ResponseWriter) func() {
	rc := http.NewResponseController(w)
	return func() { _ = rc.Flush() }
}

// logStream copies one container's log file to a client, then (with
// follow) waits for more until the container stops or the client leaves.
type logStream struct {
	s     *Server
	path  string
	id    string
	opts  logOptions
	lr    *lineReader
	out   *logPrinter
	flush func()
}

func (l *logStream) run(ctx context.Context) error {
	if l.opts.tailLines >= 0 {
		if err := l.tail(); err != nil {
			return err
		}
	}
	for {
		if err := l.drain(); err != nil {
			return err
		}
		l.flush()
		if !l.opts.follow {
			return l.finish()
		}
		if l.lr.replaced(l.path) {
			// The old file is complete once it was replaced, but lines may
			// have landed in it after the drain above: read them first.
			if err := l.drain(); err != nil {
				return err
			}
			if err := l.reopen(); err != nil {
				return err
			}
			continue
		}
		if !l.running(ctx) {
			// Lines written between our last read and the exit.
			if err := l.drain(); err != nil {
				return err
			}
			return l.finish()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(l.s.cfg.FollowPoll):
		}
	}
}

// tail reads what the file holds now and prints only its last lines.
func (l *logStream) tail() error {
	t := &tailBuffer{n: l.opts.tailLines, since: l.opts.since}
	for {
		line, err := l.lr.next()
		if errors.Is(err, io.EOF) {
			return t.flush(l.out)
		}
		if err != nil {
			return err
		}
		e, err := parseCRILine(line)
		if err != nil {
			continue // a damaged line must not hide the rest of the log
		}
		t.add(e)
	}
}

// drain prints every complete line available now.
func (l *logStream) drain() error {
	for {
		line, err := l.lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := l.printLine(line); err != nil {
			return err
		}
	}
}

func (l *logStream) printLine(line []byte) error {
	e, err := parseCRILine(line)
	if err != nil {
		return nil // skip damaged lines, as the kubelet does
	}
	return l.out.print(e)
}

// finish prints an unterminated last line before the stream ends.
func (l *logStream) finish() error {
	if rest := l.lr.rest(); len(rest) > 0 {
		if err := l.printLine(rest); err != nil {
			return err
		}
	}
	l.flush()
	return nil
}

// reopen switches to the file now at path after a rotation; the old file
// has been read to its end.
func (l *logStream) reopen() error {
	next, err := openLineReader(l.path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil // rotated away and not yet recreated: try again later
		}
		return fmt.Errorf("reopening rotated log: %w", err)
	}
	if err := l.finish(); err != nil {
		next.close()
		return err
	}
	l.lr.close()
	l.lr = next
	return nil
}

// running asks the runtime whether the container still runs; a follow
// ends when it does not, as with Kubernetes.
func (l *logStream) running(ctx context.Context) bool {
	st, err := l.s.cfg.Runtime.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: l.id})
	if err != nil {
		return false
	}
	return st.GetStatus().GetState() == runtimeapi.ContainerState_CONTAINER_RUNNING
}
