package framework

// ListLister is a NodeLister over a fixed slice; tests and preemption
// simulations use it.
type ListLister []*NodeInfo

// List implements NodeLister.
func (l ListLister) List() []*NodeInfo { return l }

// Get implements NodeLister.
func (l ListLister) Get(name string) (*NodeInfo, bool) {
	for _, n := range l {
		if n.Name() == name {
			return n, true
		}
	}
	return nil, false
}
