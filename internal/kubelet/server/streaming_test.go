package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
	"k8s.io/client-go/util/exec"
)

// executors are the two ways kubectl runs exec: websocket (v5, 1.30+)
// and SPDY (1.29, and the fallback).
var executors = map[string]func(cfg *rest.Config, u *url.URL) (remotecommand.Executor, error){
	"websocket": func(cfg *rest.Config, u *url.URL) (remotecommand.Executor, error) {
		return remotecommand.NewWebSocketExecutor(cfg, http.MethodGet, u.String())
	},
	"spdy": func(cfg *rest.Config, u *url.URL) (remotecommand.Executor, error) {
		return remotecommand.NewSPDYExecutor(cfg, http.MethodPost, u)
	},
}

func TestExec(t *testing.T) {
	f := newFixture(t)
	f.container(t, "web", "app", 0)
	cfg := f.restConfig(t)
	for name, newExecutor := range executors {
		t.Run(name, func(t *testing.T) {
			u, _ := url.Parse(f.url + "/exec/default/web/app?command=exit&command=3&stdin=true&stdout=true&stderr=true")
			ex, err := newExecutor(cfg, u)
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{
				Stdin: strings.NewReader("hello"), Stdout: &stdout, Stderr: &stderr})
			var exit exec.CodeExitError
			if !errors.As(err, &exit) || exit.Code != 3 {
				t.Errorf("error %v, want exit code 3", err)
			}
			if stdout.String() != "out:hello" || stderr.String() != "exit 3\n" {
				t.Errorf("stdout %q stderr %q, want %q and %q", stdout.String(), stderr.String(), "out:hello", "exit 3\n")
			}
		})
	}
}

func TestExecErrors(t *testing.T) {
	f := newFixture(t)
	f.container(t, "web", "app", 0)
	c := f.client(t, "system:apiserver")
	for path, want := range map[string]int{
		"/exec/default/web/app?stdout=true":             400, // no command
		"/exec/default/web/app?command=ls":              400, // no stream
		"/exec/default/web/nope?command=ls&stdout=true": 404,
		"/attach/default/ghost/app?stdout=true":         404,
		"/portForward/default/ghost":                    404,
		"/exec/default/web/app?command=ls&stdout=maybe": 400,
	} {
		if code, body := get(t, c, f.url+path); code != want {
			t.Errorf("%s: status %d (%s), want %d", path, code, body, want)
		}
	}
}

func TestPortForward(t *testing.T) {
	f := newFixture(t)
	f.container(t, "web", "app", 0)
	cfg := f.restConfig(t)
	u, _ := url.Parse(f.url + "/portForward/default/web")
	dialers := map[string]func() (httpstream.Dialer, error){
		"spdy": func() (httpstream.Dialer, error) {
			rt, up, err := spdy.RoundTripperFor(cfg)
			if err != nil {
				return nil, err
			}
			return spdy.NewDialer(up, &http.Client{Transport: rt}, http.MethodPost, u), nil
		},
		"websocket tunnel": func() (httpstream.Dialer, error) {
			return portforward.NewSPDYOverWebsocketDialer(u, cfg)
		},
	}
	for name, newDialer := range dialers {
		t.Run(name, func(t *testing.T) {
			d, err := newDialer()
			if err != nil {
				t.Fatal(err)
			}
			EchoThroughForward(t, d)
		})
	}
}

// EchoThroughForward forwards a local port through d to the fake
// backend's echo and checks that bytes come back.
func EchoThroughForward(t *testing.T, d httpstream.Dialer) {
	t.Helper()
	stop, ready := make(chan struct{}), make(chan struct{})
	defer close(stop)
	pf, err := portforward.NewOnAddresses(d, []string{"127.0.0.1"}, []string{"0:80"}, stop, ready, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 1)
	go func() { errs <- pf.ForwardPorts() }()
	select {
	case <-ready:
	case err := <-errs:
		t.Fatalf("port-forward ended: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("port-forward not ready")
	}
	ports, err := pf.GetPorts()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(ports[0].Local))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := conn.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("read %q, %v; want the echo \"ping\"", buf, err)
	}
}
