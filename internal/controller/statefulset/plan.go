package statefulset

import "sort"

// member is what the plan needs to know about one existing pod.
type member struct {
	Name        string
	Ordinal     int
	Revision    string
	Terminating bool // deletionTimestamp set
	Finished    bool // Succeeded or Failed: to be replaced
	Healthy     bool // Running and Ready (and available for minReadySeconds)
}

// planInput is the state the next step is decided from.
type planInput struct {
	Start, Replicas int
	Parallel        bool // podManagementPolicy Parallel
	OnDelete        bool // updateStrategy OnDelete
	Partition       int  // ordinals below start+Partition keep CurrentRevision
	CurrentRevision string
	UpdateRevision  string
	Members         []member
}

type actionKind int

const (
	actCreate actionKind = iota
	actDelete
)

// action is one pod to create (Ordinal, Revision) or delete (Name).
type action struct {
	Kind     actionKind
	Ordinal  int
	Name     string
	Revision string
}

// plan decides the pods to create and delete next, following the
// StatefulSet guarantees:
//
//   - replicas [start, start+n): missing ones are created, finished ones
//     deleted (to be recreated). OrderedReady handles them lowest first and
//     stops at the first that is not yet healthy; Parallel handles all.
//   - condemned (ordinal out of range) are deleted highest first.
//     OrderedReady deletes one at a time, only when every lower ordinal is
//     healthy and no condemned pod is still terminating.
//   - RollingUpdate replaces pods of another revision from the highest
//     ordinal down to the partition, one at a time, each after the higher
//     ones are healthy again. OnDelete only recreates deleted pods.
func plan(in planInput) []action {
	byOrd := map[int]member{}
	var condemned []member
	for _, m := range in.Members {
		if m.Ordinal >= in.Start && m.Ordinal < in.Start+in.Replicas {
			byOrd[m.Ordinal] = m
		} else {
			condemned = append(condemned, m)
		}
	}
	var out []action
	for ord := in.Start; ord < in.Start+in.Replicas; ord++ {
		m, ok := byOrd[ord]
		switch {
		case !ok:
			out = append(out, action{Kind: actCreate, Ordinal: ord, Revision: in.revisionFor(ord)})
		case m.Finished && !m.Terminating:
			out = append(out, action{Kind: actDelete, Ordinal: ord, Name: m.Name})
		case m.Healthy && !m.Terminating:
			continue
		}
		if !in.Parallel {
			return out
		}
	}
	out, stop := in.scaleDown(out, condemned)
	if stop || in.OnDelete {
		return out
	}
	return in.rollingUpdate(out, byOrd)
}

// revisionFor is the revision a newly created pod with ordinal gets.
func (in planInput) revisionFor(ord int) string {
	if !in.OnDelete && ord-in.Start < in.Partition {
		return in.CurrentRevision
	}
	return in.UpdateRevision
}

// scaleDown deletes condemned pods, highest ordinal first. stop reports
// that an OrderedReady scale down is in progress and nothing else may
// happen in this step.
func (in planInput) scaleDown(out []action, condemned []member) ([]action, bool) {
	sort.Slice(condemned, func(i, j int) bool { return condemned[i].Ordinal > condemned[j].Ordinal })
	for i, m := range condemned {
		if m.Terminating {
			if !in.Parallel {
				return out, true
			}
			continue
		}
		if !in.Parallel && !allHealthy(condemned[i+1:]) {
			return out, true // a lower condemned pod must become healthy first
		}
		out = append(out, action{Kind: actDelete, Ordinal: m.Ordinal, Name: m.Name})
		if !in.Parallel {
			return out, true
		}
	}
	return out, len(condemned) > 0 && !in.Parallel
}

func allHealthy(ms []member) bool {
	for _, m := range ms {
		if !m.Healthy || m.Terminating {
			return false
		}
	}
	return true
}

// rollingUpdate deletes the highest-ordinal pod at or above the partition
// that is not of the update revision, once all above it are healthy.
func (in planInput) rollingUpdate(out []action, byOrd map[int]member) []action {
	for ord := in.Start + in.Replicas - 1; ord >= in.Start+in.Partition; ord-- {
		m, ok := byOrd[ord]
		if !ok {
			return out
		}
		if m.Revision != in.UpdateRevision && !m.Terminating {
			return append(out, action{Kind: actDelete, Ordinal: ord, Name: m.Name})
		}
		if !m.Healthy || m.Terminating {
			return out
		}
	}
	return out
}
