package job

import (
	"strconv"
	"sync"
	"time"
)

// staleCacheRetry is when a job whose cached copy lags behind the
// controller's own status write is looked at again, should its update
// event not come first.
const staleCacheRetry = time.Second

// writtenVersions remembers the resourceVersion of the controller's last
// status write per job, to tell a cached job that does not show it yet.
// resourceVersions are this API server's etcd revisions: numbers that
// grow with every write.
type writtenVersions struct {
	mu sync.Mutex
	m  map[string]uint64
}

// parseRV reads a resourceVersion as the number this API server makes of
// it (an etcd revision); false if it is not one.
func parseRV(rv string) (uint64, bool) {
	n, err := strconv.ParseUint(rv, 10, 64)
	return n, err == nil
}

func (w *writtenVersions) record(key, rv string) {
	n, ok := parseRV(rv)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = map[string]uint64{}
	}
	w.m[key] = n
}

// newer says whether the last write recorded for key is newer than rv.
func (w *writtenVersions) newer(key, rv string) bool {
	n, ok := parseRV(rv)
	if !ok {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.m[key] > n
}

func (w *writtenVersions) forget(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.m, key)
}
