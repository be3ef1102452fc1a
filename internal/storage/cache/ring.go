package cache

import (
	"sort"

	"rudder/internal/storage/etcd"
)

// ring keeps the most recent changes in revision order. Every change with
// a revision above floor is in it.
type ring struct {
	buf   []*etcd.Change
	start int
	n     int
	floor int64
}

func newRing(size int, floor int64) *ring {
	return &ring{buf: make([]*etcd.Change, size), floor: floor}
}

func (r *ring) at(i int) *etcd.Change { return r.buf[(r.start+i)%len(r.buf)] }

func (r *ring) add(c *etcd.Change) {
	if r.n == len(r.buf) {
		r.floor = r.buf[r.start].Rev
		r.buf[r.start] = nil
		r.start = (r.start + 1) % len(r.buf)
		r.n--
	}
	r.buf[(r.start+r.n)%len(r.buf)] = c
	r.n++
}

// covers reports whether every change after rev is still kept.
func (r *ring) covers(rev int64) bool { return rev >= r.floor }

// since returns the kept changes with a revision above rev.
func (r *ring) since(rev int64) []*etcd.Change {
	first := sort.Search(r.n, func(i int) bool { return r.at(i).Rev > rev })
	out := make([]*etcd.Change, 0, r.n-first)
	for i := first; i < r.n; i++ {
		out = append(out, r.at(i))
	}
	return out
}
