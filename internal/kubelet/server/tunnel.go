package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	gwebsocket "github.com/gorilla/websocket"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/tools/portforward"
)

// tunnelProtocol is how kubectl 1.30+ sends port-forward over websocket:
// SPDY frames carried as binary websocket messages.
const tunnelProtocol = "SPDY/3.1+portforward.k8s.io"

var tunnelUpgrader = gwebsocket.Upgrader{
	Subprotocols: []string{tunnelProtocol},
	// The API server already checked who this is; browsers never get here.
	CheckOrigin: func(*http.Request) bool { return true },
}

// tunnelPortForward unwraps the websocket tunnel and splices the SPDY byte
// stream into an SPDY upgrade to the runtime's streaming server, so the
// client's SPDY session ends at the runtime as if it had connected directly.
func (s *Server) tunnelPortForward(w http.ResponseWriter, r *http.Request, target *url.URL) {
	backend, err := dialSPDY(r.Context(), target, "portforward.k8s.io")
	if err != nil {
		writeError(w, badRequest("connecting to the runtime's port-forward server: %v", err))
		return
	}
	defer backend.Close()
	ws, err := tunnelUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered the client
	}
	client := portforward.NewTunnelingConnection("kubelet", ws)
	defer client.Close()
	splice(client, backend)
}

// dialSPDY upgrades a connection to target with the SPDY/3.1 protocol and
// the given stream protocol, returning the raw upgraded connection.
func dialSPDY(ctx context.Context, target *url.URL, protocol string) (io.ReadWriteCloser, error) {
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, target.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(httpstream.HeaderConnection, httpstream.HeaderUpgrade)
	req.Header.Set(httpstream.HeaderUpgrade, "SPDY/3.1")
	req.Header.Set(httpstream.HeaderProtocolVersion, protocol)
	resp, err := runtimeTransport().RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		return nil, fmt.Errorf("runtime answered %s: %s", resp.Status, body)
	}
	rwc, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		resp.Body.Close()
		return nil, fmt.Errorf("runtime's upgraded connection is not writable")
	}
	return rwc, nil
}

// splice copies both ways until either side ends, then closes both.
func splice(a, b io.ReadWriteCloser) {
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(a, b); done <- struct{}{} }()
	go func() { _, _ = io.Copy(b, a); done <- struct{}{} }()
	<-done
	a.Close()
	b.Close()
	<-done
}
