package serviceip

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

var (
	errAllocated = errors.New("already allocated")
	errFull      = errors.New("range is full")
)

// pool is one range (service IPs or node ports) whose allocations are
// one etcd key each, prefix+name(offset). A key is created only if it does
// not exist (CreateRevision == 0) and deleted only by the owner it names,
// so any number of API servers share the pool with no lock and no
// read-modify-write of a shared bitmap.
type pool struct {
	kv     clientv3.KV
	prefix string // ends with "/"
	size   uint64
	// static is the lower band kept for explicit requests: dynamic
	// allocation uses it only when the upper band is full.
	static uint64
	// reserved offsets are never handed out dynamically (the kubernetes
	// and DNS service IPs), only when asked for by number.
	reserved map[uint64]bool
	name     func(off uint64) string
	parse    func(name string) (uint64, bool)
	now      func() time.Time
}

// entry is the value stored under an allocation key.
type entry struct {
	Owner string `json:"owner"` // namespace/name of the service
	At    int64  `json:"at"`    // unix seconds of the reservation
}

// held is an allocation as read back from etcd.
type held struct {
	entry
	modRev int64
}

func (p *pool) key(off uint64) string { return p.prefix + p.name(off) }

func (p *pool) value(owner string) (string, error) {
	b, err := json.Marshal(entry{Owner: owner, At: p.now().Unix()})
	return string(b), err
}

// claim reserves one offset for owner; errAllocated when it is taken.
// With dry, it only checks.
func (p *pool) claim(ctx context.Context, off uint64, owner string, dry bool) error {
	key := p.key(off)
	if dry {
		resp, err := p.kv.Get(ctx, key, clientv3.WithCountOnly())
		if err != nil {
			return fmt.Errorf("read %s: %w", key, err)
		}
		if resp.Count > 0 {
			return errAllocated
		}
		return nil
	}
	val, err := p.value(owner)
	if err != nil {
		return err
	}
	resp, err := p.kv.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, val)).
		Commit()
	if err != nil {
		return fmt.Errorf("reserve %s: %w", key, err)
	}
	if !resp.Succeeded {
		return errAllocated
	}
	return nil
}

// randomProbes is how many random offsets claimAny tries before it reads
// the whole pool: in a sparsely used range the first one nearly always
// wins, in a crowded one the scan finds what is left.
const randomProbes = 8

// claimAny reserves a free offset, preferring the upper band, and
// returns it; errFull when none is free.
func (p *pool) claimAny(ctx context.Context, owner string, dry bool) (uint64, error) {
	bands := [][2]uint64{{p.static, p.size}, {0, p.static}}
	var used map[uint64]held
	for _, b := range bands {
		off, err := p.probe(ctx, b[0], b[1], owner, dry)
		if !errors.Is(err, errFull) {
			return off, err
		}
		if used == nil {
			if used, err = p.list(ctx); err != nil {
				return 0, err
			}
		}
		off, err = p.scan(ctx, b[0], b[1], used, owner, dry)
		if !errors.Is(err, errFull) {
			return off, err
		}
	}
	return 0, errFull
}

// probe tries a few random offsets of [lo, hi).
func (p *pool) probe(ctx context.Context, lo, hi uint64, owner string, dry bool) (uint64, error) {
	if hi <= lo {
		return 0, errFull
	}
	for range randomProbes {
		off := lo + rand.Uint64N(hi-lo)
		if p.reserved[off] {
			continue
		}
		err := p.claim(ctx, off, owner, dry)
		if !errors.Is(err, errAllocated) {
			return off, err
		}
	}
	return 0, errFull
}

// scan walks [lo, hi) from a random start and claims the first offset
// the listing showed free (another server may take it meanwhile: then
// the walk goes on).
func (p *pool) scan(ctx context.Context, lo, hi uint64, used map[uint64]held, owner string, dry bool) (uint64, error) {
	if hi <= lo {
		return 0, errFull
	}
	n := hi - lo
	start := rand.Uint64N(n)
	for i := range n {
		off := lo + (start+i)%n
		if _, taken := used[off]; taken || p.reserved[off] {
			continue
		}
		err := p.claim(ctx, off, owner, dry)
		if !errors.Is(err, errAllocated) {
			return off, err
		}
	}
	return 0, errFull
}

// list reads every allocation of the pool. Keys that do not name an
// offset of the range (left over from another range) are skipped.
func (p *pool) list(ctx context.Context) (map[uint64]held, error) {
	resp, err := p.kv.Get(ctx, p.prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", p.prefix, err)
	}
	out := make(map[uint64]held, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		name := strings.TrimPrefix(string(kv.Key), p.prefix)
		off, ok := p.parse(name)
		if !ok || p.name(off) != name {
			continue // not one of ours: another range's, or not canonical
		}
		var e entry
		_ = json.Unmarshal(kv.Value, &e) // a foreign value reads as no owner, age zero
		out[off] = held{entry: e, modRev: kv.ModRevision}
	}
	return out, nil
}

// release frees an offset if owner holds it. Someone else's reservation
// is left alone, so a stale or repeated release never frees what another
// service got meanwhile.
func (p *pool) release(ctx context.Context, off uint64, owner string) error {
	key := p.key(off)
	for range 3 {
		h, err := p.get(ctx, off)
		if err != nil || h == nil || h.Owner != owner {
			return err
		}
		done, err := p.deleteAt(ctx, off, h.modRev)
		if err != nil || done {
			return err
		}
	}
	return fmt.Errorf("release %s: changed concurrently, try again", key)
}

// deleteAt deletes an allocation if it is still at revision rev.
func (p *pool) deleteAt(ctx context.Context, off uint64, rev int64) (bool, error) {
	key := p.key(off)
	resp, err := p.kv.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", rev)).
		Then(clientv3.OpDelete(key)).
		Commit()
	if err != nil {
		return false, fmt.Errorf("release %s: %w", key, err)
	}
	return resp.Succeeded, nil
}

// mark records owner as the holder of off, whoever held it before
// (repair's re-marking of what services really hold).
func (p *pool) mark(ctx context.Context, off uint64, owner string) error {
	val, err := p.value(owner)
	if err != nil {
		return err
	}
	if _, err := p.kv.Put(ctx, p.key(off), val); err != nil {
		return fmt.Errorf("mark %s: %w", p.key(off), err)
	}
	return nil
}

// get reads one allocation; nil when the offset is free.
func (p *pool) get(ctx context.Context, off uint64) (*held, error) {
	resp, err := p.kv.Get(ctx, p.key(off))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p.key(off), err)
	}
	if len(resp.Kvs) == 0 {
		return nil, nil
	}
	var e entry
	_ = json.Unmarshal(resp.Kvs[0].Value, &e)
	return &held{entry: e, modRev: resp.Kvs[0].ModRevision}, nil
}
