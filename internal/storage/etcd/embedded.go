package etcd

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3client"
)

const (
	// compactionRetention keeps five minutes of history, as the Kubernetes
	// API server's own compactor does: long enough for watchers to resume
	// after a brief disconnect or a server restart, short enough that the
	// history does not grow without bound under a write-heavy load.
	compactionRetention = "5m"
	// quotaBackendBytes is etcd's recommended maximum (8 GiB). The default
	// (2 GiB) is reachable by a large cluster; past the quota etcd refuses
	// every write until defragmented.
	quotaBackendBytes = 8 << 30
	// progressNotifyInterval makes etcd send progress notifications on
	// idle watches so watch caches learn the current revision even when
	// their own prefix is quiet (etcd's default is 10 minutes).
	progressNotifyInterval = 5 * time.Second
	// maxUnixSocketPath is below the 108-byte sun_path limit of Linux.
	maxUnixSocketPath = 100
	readyTimeout      = 30 * time.Second
)

// Embedded is an etcd server running inside this process.
type Embedded struct {
	etcd   *embed.Etcd
	client *clientv3.Client
}

// StartEmbedded starts a single-member etcd whose data lives in dir and
// waits until it serves requests. It listens for clients only on a unix
// socket inside dir (so etcdctl can be pointed at it, and several servers
// on one machine never collide), and on no peer address at all: a single
// member never talks to peers.
func StartEmbedded(ctx context.Context, dir string) (*Embedded, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create etcd data dir: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolve etcd data dir: %w", err)
	}
	cfg := embeddedConfig(abs)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd in %s: %w", abs, err)
	}
	if err := waitReady(ctx, e); err != nil {
		e.Close()
		return nil, err
	}
	return &Embedded{etcd: e, client: v3client.New(e.Server)}, nil
}

func embeddedConfig(dir string) *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = "rudder"
	cfg.Dir = dir
	cfg.Logger = "zap"
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{"stderr"}

	client := clientURL(dir)
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{client}
	if client.Scheme == "unix" {
		// etcd insists that advertised URLs be host:port; nothing dials
		// this one (our client is in-process, etcdctl is given the path).
		cfg.AdvertiseClientUrls = []url.URL{{Scheme: "unix", Host: "localhost:0"}}
	}
	// No peer listener: the advertised peer URL only names the member in
	// its own single-member cluster and is never dialled.
	peer := url.URL{Scheme: "http", Host: "localhost:2380"}
	cfg.ListenPeerUrls = nil
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)

	cfg.AutoCompactionMode = embed.CompactorModePeriodic
	cfg.AutoCompactionRetention = compactionRetention
	cfg.QuotaBackendBytes = quotaBackendBytes
	cfg.UnsafeNoFsync = false // an acknowledged write must survive kill -9
	cfg.ExperimentalWatchProgressNotifyInterval = progressNotifyInterval
	cfg.EnableGRPCGateway = false
	// A lone member elects itself after one tick when the election is
	// fast-forwarded; a short tick makes that startup delay small.
	cfg.InitialElectionTickAdvance = true
	cfg.TickMs = 10
	cfg.ElectionMs = 100
	return cfg
}

// clientURL is a unix socket in dir, or a loopback address on a port the
// kernel picks when dir is too deep for a socket path.
func clientURL(dir string) url.URL {
	sock := filepath.Join(dir, "etcd.sock")
	if len(sock) <= maxUnixSocketPath {
		return url.URL{Scheme: "unix", Path: sock}
	}
	return url.URL{Scheme: "http", Host: "127.0.0.1:0"}
}

func waitReady(ctx context.Context, e *embed.Etcd) error {
	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	select {
	case <-e.Server.ReadyNotify():
		return nil
	case err := <-e.Err():
		return fmt.Errorf("embedded etcd failed: %w", err)
	case <-ctx.Done():
		return fmt.Errorf("waiting for embedded etcd: %w", ctx.Err())
	case <-timer.C:
		return fmt.Errorf("embedded etcd not ready after %s", readyTimeout)
	}
}

// Client returns an in-process client: requests skip the network and gRPC
// encoding entirely.
func (e *Embedded) Client() *clientv3.Client { return e.client }

// Err reports a fatal error of the running server (e.g. its listener died).
func (e *Embedded) Err() <-chan error { return e.etcd.Err() }

// Close stops the client and the server; it waits for the server to finish
// pending work, so everything acknowledged is on disk when it returns.
func (e *Embedded) Close() error {
	cerr := e.client.Close()
	e.etcd.Close()
	<-e.etcd.Server.StopNotify()
	if cerr != nil && !errors.Is(cerr, context.Canceled) {
		return fmt.Errorf("close embedded etcd client: %w", cerr)
	}
	return nil
}
