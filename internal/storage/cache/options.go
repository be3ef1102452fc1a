package cache

import (
	"log/slog"
	"time"
)

// Option tunes a Cache; the defaults suit an API server.
type Option func(*options)

type options struct {
	ringSize         int
	watcherBuffer    int
	bookmarkInterval time.Duration
	freshTimeout     time.Duration
	progressInterval time.Duration
	logger           *slog.Logger
}

func defaultOptions() options {
	return options{
		// 10,000 recent events let watchers resume after a disconnect
		// without touching etcd in all but the busiest clusters.
		ringSize: 10000,
		// A watcher may fall this many events behind before it is cut
		// off (client-go then rewatches from its last revision).
		watcherBuffer: 1000,
		// Kubernetes sends bookmarks about once a minute; more often
		// costs little and lets clients resume closer to the present.
		bookmarkInterval: 10 * time.Second,
		// How long a read waits for the cache to catch up with etcd
		// before it is served by etcd instead.
		freshTimeout: 3 * time.Second,
		// How often the cache asks etcd where it is, so its revision
		// advances even when its own prefix is quiet.
		progressInterval: 5 * time.Second,
		logger:           slog.Default(),
	}
}

// WithEventBuffer sets how many recent events are kept for watchers that
// resume from a resourceVersion.
func WithEventBuffer(n int) Option { return func(o *options) { o.ringSize = max(n, 1) } }

// WithWatcherBuffer sets how many events a watcher may lag behind before
// it is terminated.
func WithWatcherBuffer(n int) Option { return func(o *options) { o.watcherBuffer = max(n, 1) } }

// WithBookmarkInterval sets how often watchers that asked for bookmarks
// get one.
func WithBookmarkInterval(d time.Duration) Option {
	return func(o *options) { o.bookmarkInterval = d }
}

// WithFreshTimeout sets how long a read waits for the cache to catch up.
func WithFreshTimeout(d time.Duration) Option { return func(o *options) { o.freshTimeout = d } }

// WithProgressInterval sets how often the cache asks etcd for progress.
func WithProgressInterval(d time.Duration) Option {
	return func(o *options) { o.progressInterval = d }
}

// WithLogger sets where the cache reports watch failures.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }
