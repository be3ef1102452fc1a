// Package gc decides which dead containers, sandboxes and unused images a
// node removes, as Kubernetes' kubelet garbage collection does, and removes
// them through a runtime.Runtime.
package gc

import (
	"sort"
	"time"
)

// ContainerPolicy bounds the dead containers a node keeps. A negative
// limit means no limit.
type ContainerPolicy struct {
	// MinAge: a dead container younger than this is never removed.
	MinAge time.Duration
	// MaxPerPodContainer dead instances are kept per container of a pod
	// (1: the one `kubectl logs --previous` reads).
	MaxPerPodContainer int
	// MaxContainers dead containers are kept on the node in all.
	MaxContainers int
}

// DefaultContainerPolicy is Kubernetes' default: no minimum age, one dead
// instance per container, no node-wide limit.
func DefaultContainerPolicy() ContainerPolicy {
	return ContainerPolicy{MinAge: 0, MaxPerPodContainer: 1, MaxContainers: -1}
}

// Container is one container instance as the collector sees it.
type Container struct {
	ID        string
	SandboxID string
	PodUID    string
	Name      string // the container's name in its pod
	CreatedAt time.Time
	Dead      bool // exited (or unknown): it never runs again
}

// Sandbox is one pod sandbox as the collector sees it.
type Sandbox struct {
	ID        string
	PodUID    string
	Ready     bool
	CreatedAt time.Time
}

// Plan is what one collection removes.
type Plan struct {
	Containers []Container
	Sandboxes  []Sandbox
}

// unit is the dead instances of one container of one pod, newest first.
type unit []Container

// PlanContainers chooses the dead containers and sandboxes to remove.
// podExists says whether a pod (by UID) is still on the node: every dead
// container and stopped sandbox of a deleted pod goes.
func PlanContainers(p ContainerPolicy, cs []Container, sbs []Sandbox, podExists func(uid string) bool, now time.Time) Plan {
	units := deadUnits(cs, p.MinAge, now)
	var plan Plan
	kept := map[string][]Container{}
	for key, u := range units {
		if !podExists(u[0].PodUID) {
			plan.Containers = append(plan.Containers, u...)
			continue
		}
		kept[key] = u
	}
	plan.Containers = append(plan.Containers, capUnits(kept, p.MaxPerPodContainer)...)
	plan.Containers = append(plan.Containers, capNode(kept, p.MaxContainers)...)
	sortOldestFirst(plan.Containers)
	plan.Sandboxes = planSandboxes(cs, plan.Containers, sbs, podExists)
	return plan
}

// deadUnits groups the dead containers older than minAge by pod and
// container name, newest first.
func deadUnits(cs []Container, minAge time.Duration, now time.Time) map[string][]Container {
	units := map[string][]Container{}
	for _, c := range cs {
		if !c.Dead || now.Sub(c.CreatedAt) < minAge {
			continue
		}
		key := c.PodUID + "/" + c.Name
		units[key] = append(units[key], c)
	}
	for _, u := range units {
		sort.SliceStable(u, func(i, j int) bool { return u[i].CreatedAt.After(u[j].CreatedAt) })
	}
	return units
}

// capUnits trims every unit to max instances (max < 0: no limit) and
// returns what it trimmed.
func capUnits(units map[string][]Container, max int) []Container {
	if max < 0 {
		return nil
	}
	var out []Container
	for key, u := range units {
		if len(u) > max {
			out = append(out, u[max:]...)
			units[key] = u[:max]
		}
	}
	return out
}

// capNode keeps at most max dead containers on the node: first an equal
// share per unit (at least one each), then the oldest go.
func capNode(units map[string][]Container, max int) []Container {
	if max < 0 || count(units) <= max {
		return nil
	}
	share := 1
	if len(units) > 0 && max/len(units) > 1 {
		share = max / len(units)
	}
	out := capUnits(units, share)
	if extra := count(units) - max; extra > 0 {
		var rest []Container
		for _, u := range units {
			rest = append(rest, u...)
		}
		sortOldestFirst(rest)
		out = append(out, rest[:extra]...)
	}
	return out
}

func count(units map[string][]Container) int {
	n := 0
	for _, u := range units {
		n += len(u)
	}
	return n
}

func sortOldestFirst(cs []Container) {
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].CreatedAt.Before(cs[j].CreatedAt) })
}

// planSandboxes chooses stopped sandboxes with no container left: all of
// a deleted pod, all but the newest of a live one (its newest sandbox
// carries the attempt count the next sandbox continues).
func planSandboxes(cs, removed []Container, sbs []Sandbox, podExists func(string) bool) []Sandbox {
	gone := map[string]bool{}
	for _, c := range removed {
		gone[c.ID] = true
	}
	used := map[string]bool{}
	for _, c := range cs {
		if !gone[c.ID] {
			used[c.SandboxID] = true
		}
	}
	byPod := map[string][]Sandbox{}
	for _, sb := range sbs {
		byPod[sb.PodUID] = append(byPod[sb.PodUID], sb)
	}
	var out []Sandbox
	for uid, list := range byPod {
		sort.SliceStable(list, func(i, j int) bool { return list[i].CreatedAt.After(list[j].CreatedAt) })
		exists := podExists(uid)
		for i, sb := range list {
			if sb.Ready || used[sb.ID] || (exists && i == 0) {
				continue
			}
			out = append(out, sb)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out
}
