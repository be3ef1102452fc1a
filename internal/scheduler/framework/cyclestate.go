package framework

import "sync"

// StateData is something a plugin computes in PreFilter/PreScore and reads
// back in Filter/Score during the same scheduling cycle.
type StateData interface {
	// Clone copies the data so preemption can simulate changes on a copy.
	Clone() StateData
}

// CycleState is per-cycle scratch space shared by plugins. Filter and Score
// run in parallel over nodes, hence the lock.
type CycleState struct {
	mu   sync.RWMutex
	data map[string]StateData
}

// NewCycleState returns an empty state.
func NewCycleState() *CycleState {
	return &CycleState{data: map[string]StateData{}}
}

// Read returns the data stored under key.
func (c *CycleState) Read(key string) (StateData, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.data[key]
	return d, ok
}

// Write stores data under key.
func (c *CycleState) Write(key string, d StateData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.data[key] = d
}

// Clone deep-copies the state.
func (c *CycleState) Clone() *CycleState {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := NewCycleState()
	for k, v := range c.data {
		out.data[k] = v.Clone()
	}
	return out
}
