// Package cri is the kubelet's runtime.Runtime backed by a CRI v1 gRPC
// endpoint (containerd's CRI plugin): a thin adapter that forwards each
// call to the generated clients with a per-call timeout.
package cri

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/runtime"
)

// Per-call timeouts, applied unless the caller's context ends sooner. They
// follow the kubelet's runtime-request-timeout (2m) for anything that
// changes state; queries get less, image pulls much more because a large
// image over a slow link legitimately takes minutes.
const (
	QueryTimeout  = 30 * time.Second
	ChangeTimeout = 2 * time.Minute
	PullTimeout   = 15 * time.Minute
)

// maxMsgSize lifts gRPC's 4 MiB receive default: ListContainers on a busy
// node and ExecSync output can exceed it.
const maxMsgSize = 16 << 20

// Client talks CRI v1 to one runtime endpoint. Safe for concurrent use.
type Client struct {
	conn   *grpc.ClientConn
	rs     runtimeapi.RuntimeServiceClient
	is     runtimeapi.ImageServiceClient
	target string
}

var (
	_ runtime.Runtime       = (*Client)(nil)
	_ runtime.Streamer      = (*Client)(nil)
	_ runtime.StatsProvider = (*Client)(nil)
	_ runtime.ConfigUpdater = (*Client)(nil)
	_ runtime.LogReopener   = (*Client)(nil)
)

// Dial connects to the CRI endpoint at the unix socket path. The connection
// is established lazily, so Dial succeeds before the runtime listens; use
// WaitReady to wait for it. The path must be absolute: a relative
// "unix://" target is parsed as host+path and silently points elsewhere.
func Dial(ctx context.Context, socket string) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dial CRI %s: %w", socket, err)
	}
	if !filepath.IsAbs(socket) {
		return nil, fmt.Errorf("dial CRI %s: socket path must be absolute", socket)
	}
	target := "unix://" + socket
	conn, err := grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsgSize)),
	)
	if err != nil {
		return nil, fmt.Errorf("dial CRI %s: %w", target, err)
	}
	return &Client{
		conn:   conn,
		rs:     runtimeapi.NewRuntimeServiceClient(conn),
		is:     runtimeapi.NewImageServiceClient(conn),
		target: target,
	}, nil
}

// Close releases the connection.
func (c *Client) Close() error {
	if err := c.conn.Close(); err != nil {
		return fmt.Errorf("close CRI %s: %w", c.target, err)
	}
	return nil
}

// WaitReady polls Version, then Status, until the runtime reports both
// RuntimeReady and NetworkReady, or ctx ends (then the last reason is
// returned so the caller can say why the node is not ready).
func (c *Client) WaitReady(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		err := c.readyOnce(ctx)
		if err == nil {
			return nil
		}
		// A call cut short by the ending ctx says nothing; keep the
		// previous reason. (gRPC may fail a call on its deadline a moment
		// before ctx itself reports being done, hence the code check.)
		if last == nil || !cutShort(ctx, err) {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for CRI %s: %w (last: %v)", c.target, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

func cutShort(ctx context.Context, err error) bool {
	code := status.Code(errors.Unwrap(err))
	return ctx.Err() != nil || code == codes.DeadlineExceeded || code == codes.Canceled
}

func (c *Client) readyOnce(ctx context.Context) error {
	if _, err := c.Version(ctx, &runtimeapi.VersionRequest{}); err != nil {
		return fmt.Errorf("version: %w", err)
	}
	st, err := c.Status(ctx, &runtimeapi.StatusRequest{})
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if ok, why := runtime.Ready(st.GetStatus()); !ok {
		return errors.New(why)
	}
	return nil
}

// call forwards one request with a timeout; the generated clients' variadic
// CallOptions are what runtime.Runtime leaves out.
func call[Req, Resp any](ctx context.Context, timeout time.Duration,
	fn func(context.Context, Req, ...grpc.CallOption) (Resp, error), req Req) (Resp, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return fn(ctx, req)
}

// graceTimeout extends a state-changing call by the seconds the runtime is
// asked to wait itself (stop grace period, exec timeout).
func graceTimeout(seconds int64) time.Duration {
	if seconds <= 0 {
		return ChangeTimeout
	}
	return ChangeTimeout + time.Duration(seconds)*time.Second
}
