package cache

import (
	"sort"

	fw "rudder/internal/scheduler/framework"
)

// Snapshot is a consistent copy of the cache for one scheduling cycle;
// plugins read it without locks.
type Snapshot struct {
	infos      map[string]*fw.NodeInfo
	list       []*fw.NodeInfo
	index      map[string]int // position in list by node name
	generation int64
	removals   int64
}

var _ fw.NodeLister = (*Snapshot)(nil)

// NewSnapshot returns an empty snapshot.
func NewSnapshot() *Snapshot {
	return &Snapshot{infos: map[string]*fw.NodeInfo{}, index: map[string]int{}}
}

// List implements fw.NodeLister; nodes are in name order.
func (s *Snapshot) List() []*fw.NodeInfo { return s.list }

// Get implements fw.NodeLister.
func (s *Snapshot) Get(name string) (*fw.NodeInfo, bool) {
	ni, ok := s.infos[name]
	return ni, ok
}

// UpdateSnapshot refreshes s in place, copying only the nodes that
// changed since its last update: it walks the cache's recency list from
// the newest change back to the snapshot's generation. A snapshot that
// missed a node's removal is rebuilt.
func (c *Cache) UpdateSnapshot(s *Snapshot) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if s.removals != c.removals {
		c.rebuildSnapshot(s)
		return
	}
	membership := false
	for e := c.recent.Front(); e != nil; e = e.Next() {
		name := e.Value.(string)
		ni := c.nodes[name]
		if ni.Generation <= s.generation {
			break
		}
		if ni.Node() == nil {
			if _, ok := s.infos[name]; ok {
				delete(s.infos, name)
				membership = true
			}
			continue
		}
		clone := ni.Clone()
		if i, ok := s.index[name]; ok {
			s.list[i] = clone
		} else {
			membership = true
		}
		s.infos[name] = clone
	}
	s.generation = c.generation
	if membership {
		s.relist()
	}
}

// rebuildSnapshot copies every node whose generation differs.
func (c *Cache) rebuildSnapshot(s *Snapshot) {
	for name, ni := range c.nodes {
		if ni.Node() == nil {
			continue
		}
		if cur, ok := s.infos[name]; !ok || cur.Generation != ni.Generation {
			s.infos[name] = ni.Clone()
		}
	}
	for name := range s.infos {
		if ni, ok := c.nodes[name]; !ok || ni.Node() == nil {
			delete(s.infos, name)
		}
	}
	s.generation, s.removals = c.generation, c.removals
	s.relist()
}

// relist rebuilds the name-ordered list and its index.
func (s *Snapshot) relist() {
	s.list = s.list[:0]
	for _, ni := range s.infos {
		s.list = append(s.list, ni)
	}
	sort.Slice(s.list, func(i, j int) bool { return s.list[i].Name() < s.list[j].Name() })
	clear(s.index)
	for i, ni := range s.list {
		s.index[ni.Name()] = i
	}
}
