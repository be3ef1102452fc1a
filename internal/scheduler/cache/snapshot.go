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
	generation int64
}

var _ fw.NodeLister = (*Snapshot)(nil)

// NewSnapshot returns an empty snapshot.
func NewSnapshot() *Snapshot { return &Snapshot{infos: map[string]*fw.NodeInfo{}} }

// List implements fw.NodeLister; nodes are in name order.
func (s *Snapshot) List() []*fw.NodeInfo { return s.list }

// Get implements fw.NodeLister.
func (s *Snapshot) Get(name string) (*fw.NodeInfo, bool) {
	ni, ok := s.infos[name]
	return ni, ok
}

// UpdateSnapshot refreshes s in place, copying only nodes that changed
// since the last update.
func (c *Cache) UpdateSnapshot(s *Snapshot) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	changed := false
	for name, ni := range c.nodes {
		if ni.Node() == nil {
			continue
		}
		if cur, ok := s.infos[name]; !ok || ni.Generation > s.generation || cur.Generation != ni.Generation {
			s.infos[name] = ni.Clone()
			changed = true
		}
	}
	for name := range s.infos {
		if ni, ok := c.nodes[name]; !ok || ni.Node() == nil {
			delete(s.infos, name)
			changed = true
		}
	}
	s.generation = c.generation
	if !changed && len(s.list) == len(s.infos) {
		return
	}
	s.list = s.list[:0]
	for _, ni := range s.infos {
		s.list = append(s.list, ni)
	}
	sort.Slice(s.list, func(i, j int) bool { return s.list[i].Name() < s.list[j].Name() })
}
