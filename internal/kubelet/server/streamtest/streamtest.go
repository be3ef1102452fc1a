// Package streamtest is a stand-in for a container runtime's CRI streaming
// server (what containerd serves at the URLs of Exec, Attach and
// PortForward), speaking SPDY only, as containerd 1.6 does. Tests of the
// node agent's server and of the API server's proxy use it; it never runs
// containers.
//
// Exec behaviour: with stdin, everything read from stdin is written back
// to stdout prefixed "out:"; then the command line goes to stdout (or
// stderr when requested) and the command exits 0, or with code N when it is
// "exit N". Port-forward: every data stream echoes what it receives.
package streamtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
	rc "k8s.io/apimachinery/pkg/util/remotecommand"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/runtime"
)

// Streamer adds runtime.Streamer to a runtime, with a Backend behind it.
type Streamer struct {
	runtime.Runtime
	backend *httptest.Server
	mu      sync.Mutex
	next    int
	execs   map[string]*runtimeapi.ExecRequest
}

var _ runtime.Streamer = (*Streamer)(nil)

// New starts the streaming backend; Close stops it.
func New(rt runtime.Runtime) *Streamer {
	s := &Streamer{Runtime: rt, execs: map[string]*runtimeapi.ExecRequest{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/exec/{token}", s.serveExec)
	mux.HandleFunc("/portforward/{token}", servePortForward)
	s.backend = httptest.NewServer(mux)
	return s
}

// Close stops the backend.
func (s *Streamer) Close() { s.backend.Close() }

func (s *Streamer) token(req *runtimeapi.ExecRequest) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	tok := strconv.Itoa(s.next)
	s.execs[tok] = req
	return tok
}

// Exec implements runtime.Streamer.
func (s *Streamer) Exec(_ context.Context, req *runtimeapi.ExecRequest) (*runtimeapi.ExecResponse, error) {
	return &runtimeapi.ExecResponse{Url: s.backend.URL + "/exec/" + s.token(req)}, nil
}

// Attach implements runtime.Streamer: it behaves as an exec of "attach".
func (s *Streamer) Attach(_ context.Context, req *runtimeapi.AttachRequest) (*runtimeapi.AttachResponse, error) {
	tok := s.token(&runtimeapi.ExecRequest{ContainerId: req.ContainerId, Cmd: []string{"attach"},
		Tty: req.Tty, Stdin: req.Stdin, Stdout: req.Stdout, Stderr: req.Stderr})
	return &runtimeapi.AttachResponse{Url: s.backend.URL + "/exec/" + tok}, nil
}

// PortForward implements runtime.Streamer.
func (s *Streamer) PortForward(_ context.Context, req *runtimeapi.PortForwardRequest) (*runtimeapi.PortForwardResponse, error) {
	return &runtimeapi.PortForwardResponse{Url: s.backend.URL + "/portforward/" + req.PodSandboxId}, nil
}

// upgrade accepts an SPDY connection and hands over its streams.
func upgrade(w http.ResponseWriter, r *http.Request, protocol string) (httpstream.Connection, <-chan httpstream.Stream, bool) {
	if _, err := httpstream.Handshake(r, w, []string{protocol}); err != nil {
		return nil, nil, false
	}
	streams := make(chan httpstream.Stream, 16)
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(st httpstream.Stream, _ <-chan struct{}) error {
		streams <- st
		return nil
	})
	return conn, streams, conn != nil
}

func (s *Streamer) serveExec(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	req := s.execs[r.PathValue("token")]
	s.mu.Unlock()
	if req == nil {
		http.Error(w, "unknown token", http.StatusNotFound)
		return
	}
	conn, streams, ok := upgrade(w, r, rc.StreamProtocolV4Name)
	if !ok {
		return
	}
	defer conn.Close()
	want := 1 + count(req.Stdin, req.Stdout, req.Stderr, req.Tty)
	byType := map[string]httpstream.Stream{}
	timeout := time.After(30 * time.Second)
	for len(byType) < want {
		select {
		case st := <-streams:
			byType[st.Headers().Get("streamType")] = st
		case <-timeout:
			return
		}
	}
	runCommand(req, byType)
}

func count(flags ...bool) int {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return n
}

func runCommand(req *runtimeapi.ExecRequest, streams map[string]httpstream.Stream) {
	out := streams["stdout"]
	if in := streams["stdin"]; in != nil {
		data, _ := io.ReadAll(in)
		if out != nil {
			fmt.Fprintf(out, "out:%s", data)
		}
	}
	line := strings.Join(req.Cmd, " ") + "\n"
	if errs := streams["stderr"]; errs != nil {
		_, _ = io.WriteString(errs, line)
	} else if out != nil {
		_, _ = io.WriteString(out, line)
	}
	for _, name := range []string{"stdout", "stderr"} {
		if st := streams[name]; st != nil {
			st.Close()
		}
	}
	status := metav1.Status{Status: metav1.StatusSuccess}
	if len(req.Cmd) == 2 && req.Cmd[0] == "exit" && req.Cmd[1] != "0" {
		status = metav1.Status{Status: metav1.StatusFailure, Reason: rc.NonZeroExitCodeReason,
			Message: "command terminated with exit code " + req.Cmd[1],
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: rc.ExitCodeCauseType, Message: req.Cmd[1]}}}}
	}
	data, _ := json.Marshal(status)
	_, _ = streams["error"].Write(data)
	streams["error"].Close()
}

func servePortForward(w http.ResponseWriter, r *http.Request) {
	conn, streams, ok := upgrade(w, r, "portforward.k8s.io")
	if !ok {
		return
	}
	defer conn.Close()
	for {
		select {
		case st := <-streams:
			if st.Headers().Get("streamType") == "data" {
				go func() { _, _ = io.Copy(st, st); st.Close() }()
			}
		case <-conn.CloseChan():
			return
		}
	}
}
