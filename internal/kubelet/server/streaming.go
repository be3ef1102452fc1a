package server

import (
	"net/http"
	"net/url"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/runtime"
)

// streamOptions are the query parameters of /exec and /attach.
type streamOptions struct {
	command                    []string
	stdin, stdout, stderr, tty bool
}

func parseStreamOptions(q url.Values, needCommand bool) (streamOptions, error) {
	o := streamOptions{command: q["command"]}
	var err error
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"stdin", &o.stdin}, {"stdout", &o.stdout}, {"stderr", &o.stderr}, {"tty", &o.tty}} {
		if *b.dst, err = boolParam(q, b.name); err != nil {
			return o, err
		}
	}
	if needCommand && len(o.command) == 0 {
		return o, badRequest("you must specify at least 1 command")
	}
	if !o.stdin && !o.stdout && !o.stderr {
		return o, badRequest("you must specify at least one of stdin, stdout, stderr")
	}
	// A terminal merges stderr into stdout; CRI refuses both together.
	if o.tty {
		o.stderr = false
	}
	return o, nil
}

func (s *Server) streamer() (runtime.Streamer, error) {
	st, ok := s.cfg.Runtime.(runtime.Streamer)
	if !ok {
		return nil, apierrors.NewServiceUnavailable("the container runtime of this node does not support streaming")
	}
	return st, nil
}

// serveExec serves /exec/{namespace}/{pod}/{container}.
func (s *Server) serveExec(w http.ResponseWriter, r *http.Request) {
	s.serveRemoteCommand(w, r, true)
}

// serveAttach serves /attach/{namespace}/{pod}/{container}.
func (s *Server) serveAttach(w http.ResponseWriter, r *http.Request) {
	s.serveRemoteCommand(w, r, false)
}

func (s *Server) serveRemoteCommand(w http.ResponseWriter, r *http.Request, exec bool) {
	opts, err := parseStreamOptions(r.URL.Query(), exec)
	if err != nil {
		writeError(w, err)
		return
	}
	st, err := s.streamer()
	if err != nil {
		writeError(w, err)
		return
	}
	id, err := s.runningContainer(r.Context(), r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container"))
	if err != nil {
		writeError(w, err)
		return
	}
	var backend string
	if exec {
		resp, err := st.Exec(r.Context(), &runtimeapi.ExecRequest{ContainerId: id, Cmd: opts.command,
			Tty: opts.tty, Stdin: opts.stdin, Stdout: opts.stdout, Stderr: opts.stderr})
		if err != nil {
			writeError(w, apierrors.NewInternalError(err))
			return
		}
		backend = resp.Url
	} else {
		resp, err := st.Attach(r.Context(), &runtimeapi.AttachRequest{ContainerId: id,
			Tty: opts.tty, Stdin: opts.stdin, Stdout: opts.stdout, Stderr: opts.stderr})
		if err != nil {
			writeError(w, apierrors.NewInternalError(err))
			return
		}
		backend = resp.Url
	}
	target, err := url.Parse(backend)
	if err != nil {
		writeError(w, apierrors.NewInternalError(err))
		return
	}
	if wsstream.IsWebSocketRequest(r) {
		// The runtime speaks SPDY (and at most the v4 websocket protocol):
		// terminate the websocket here and talk SPDY to it.
		s.translateRemoteCommand(w, r, target, opts)
		return
	}
	s.proxyUpgrade(w, r, target)
}

// servePortForward serves /portForward/{namespace}/{pod}.
func (s *Server) servePortForward(w http.ResponseWriter, r *http.Request) {
	st, err := s.streamer()
	if err != nil {
		writeError(w, err)
		return
	}
	sandbox, err := s.readySandbox(r.Context(), r.PathValue("namespace"), r.PathValue("pod"))
	if err != nil {
		writeError(w, err)
		return
	}
	var ports []int32
	for _, p := range r.URL.Query()["port"] {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			writeError(w, badRequest("invalid port %q", p))
			return
		}
		ports = append(ports, int32(n))
	}
	resp, err := st.PortForward(r.Context(), &runtimeapi.PortForwardRequest{PodSandboxId: sandbox, Port: ports})
	if err != nil {
		writeError(w, apierrors.NewInternalError(err))
		return
	}
	target, err := url.Parse(resp.Url)
	if err != nil {
		writeError(w, apierrors.NewInternalError(err))
		return
	}
	if wsstream.IsWebSocketRequest(r) {
		if !wsstream.IsWebSocketRequestWithTunnelingProtocol(r) {
			writeError(w, badRequest("websocket port-forward needs the %s subprotocol", tunnelProtocol))
			return
		}
		s.tunnelPortForward(w, r, target)
		return
	}
	s.proxyUpgrade(w, r, target)
}
