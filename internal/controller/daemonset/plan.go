package daemonset

import "sort"

// daemonPod is what the plan needs to know about one pod of the set.
type daemonPod struct {
	Name        string
	Node        string
	Current     bool // of the current template revision
	Available   bool
	Terminating bool
	Failed      bool
	Age         int // creation order: lower is older
}

// nodeFit is one existing node and whether the set's pods should run
// there (Run) or may stay (Keep).
type nodeFit struct {
	Name      string
	Run, Keep bool
}

type planInput struct {
	Nodes          []nodeFit
	Pods           []daemonPod
	OnDelete       bool
	MaxUnavailable int
	MaxSurge       int
}

// daemonPlan lists the nodes to create a pod on and the pods to delete.
type daemonPlan struct {
	Create []string
	Delete []string
}

// plan decides one step for a DaemonSet:
//
//   - failed pods are deleted (recreated in a later step);
//   - pods on missing nodes, or nodes they may not stay on, are deleted;
//   - a node that should run a pod and has none gets one;
//   - a node with more than one pod keeps its oldest (unless surging);
//   - RollingUpdate replaces old pods within maxUnavailable, or with
//     maxSurge by first starting the new pod next to the old one.
func plan(in planInput) daemonPlan {
	var out daemonPlan
	byNode := map[string][]daemonPod{}
	failedOn := map[string]bool{}
	for _, p := range in.Pods {
		if p.Terminating {
			continue
		}
		if p.Failed {
			// Replaced in a later step, so that a pod failing at once
			// does not make a tight create/delete loop.
			out.Delete = append(out.Delete, p.Name)
			failedOn[p.Node] = true
			continue
		}
		byNode[p.Node] = append(byNode[p.Node], p)
	}
	fits := map[string]nodeFit{}
	for _, n := range in.Nodes {
		fits[n.Name] = n
	}
	for _, node := range sortedKeys(byNode) {
		pods := byNode[node]
		if n, ok := fits[node]; !ok || !n.Keep {
			out.Delete = append(out.Delete, names(pods)...)
			delete(byNode, node)
			continue
		}
		if len(pods) > 1 && !(in.MaxSurge > 0 && surgePair(pods)) {
			sort.Slice(pods, func(i, j int) bool { return pods[i].Age < pods[j].Age })
			out.Delete = append(out.Delete, names(pods[1:])...)
			byNode[node] = pods[:1]
		}
	}
	for _, n := range in.Nodes {
		if n.Run && len(byNode[n.Name]) == 0 && !failedOn[n.Name] {
			out.Create = append(out.Create, n.Name)
		}
	}
	if in.OnDelete {
		return out
	}
	// A pod kept on a node it would no longer be created on is left
	// alone: replacing it would leave the node without one.
	for node := range byNode {
		if !fits[node].Run {
			delete(byNode, node)
		}
	}
	if in.MaxSurge > 0 {
		return surgeUpdate(in, byNode, out)
	}
	return unavailableUpdate(in, byNode, out)
}

// surgePair is one old and one new pod: a surge in progress.
func surgePair(pods []daemonPod) bool {
	return len(pods) == 2 && pods[0].Current != pods[1].Current
}

// unavailableUpdate deletes old pods (to be recreated) so that at most
// MaxUnavailable nodes lack an available pod. Old pods that are not
// available anyway are replaced at once.
func unavailableUpdate(in planInput, byNode map[string][]daemonPod, out daemonPlan) daemonPlan {
	unavailable := 0
	var oldAvailable []daemonPod
	for _, node := range sortedKeys(byNode) {
		p := byNode[node][0]
		switch {
		case !p.Available:
			unavailable++
			if !p.Current {
				out.Delete = append(out.Delete, p.Name)
			}
		case !p.Current:
			oldAvailable = append(oldAvailable, p)
		}
	}
	for _, p := range oldAvailable {
		if unavailable >= in.MaxUnavailable {
			break
		}
		unavailable++
		out.Delete = append(out.Delete, p.Name)
	}
	return out
}

// surgeUpdate starts a new pod beside an available old one (at most
// MaxSurge at a time) and deletes the old one once the new one is
// available. An old pod that is not available is replaced at once.
func surgeUpdate(in planInput, byNode map[string][]daemonPod, out daemonPlan) daemonPlan {
	surging := 0
	var waiting []string
	for _, node := range sortedKeys(byNode) {
		pods := byNode[node]
		if surgePair(pods) {
			surging++
			old, cur := pods[0], pods[1]
			if old.Current {
				old, cur = cur, old
			}
			if cur.Available || !old.Available {
				out.Delete = append(out.Delete, old.Name)
			}
			continue
		}
		switch p := pods[0]; {
		case p.Current:
		case !p.Available:
			out.Delete = append(out.Delete, p.Name)
		default:
			waiting = append(waiting, node)
		}
	}
	for _, node := range waiting {
		if surging >= in.MaxSurge {
			break
		}
		surging++
		out.Create = append(out.Create, node)
	}
	return out
}

func names(pods []daemonPod) []string {
	out := make([]string, len(pods))
	for i, p := range pods {
		out[i] = p.Name
	}
	return out
}

func sortedKeys(m map[string][]daemonPod) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
