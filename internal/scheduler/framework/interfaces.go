package framework

import (
	"context"

	v1 "k8s.io/api/core/v1"
)

// MaxNodeScore is the highest score a Score plugin returns after
// normalization.
const MaxNodeScore int64 = 100

// Plugin is anything that takes part in scheduling.
type Plugin interface {
	Name() string
}

// PreFilterPlugin computes per-pod state once per cycle (from all nodes) or
// rejects the pod outright.
type PreFilterPlugin interface {
	Plugin
	PreFilter(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo) *Status
}

// FilterPlugin rejects nodes that cannot run the pod. It runs in parallel
// over nodes and must only read the NodeInfo.
type FilterPlugin interface {
	Plugin
	Filter(ctx context.Context, state *CycleState, pod *v1.Pod, node *NodeInfo) *Status
}

// PostFilterResult tells the scheduler which node a PostFilter plugin (the
// preemption) made room on.
type PostFilterResult struct {
	NominatedNodeName string
}

// PostFilterPlugin runs when no node fits; preemption lives here.
type PostFilterPlugin interface {
	Plugin
	PostFilter(ctx context.Context, state *CycleState, pod *v1.Pod, statuses NodeToStatus) (*PostFilterResult, *Status)
}

// PreScorePlugin prepares scoring; filtered are the feasible nodes, all the
// whole snapshot (affinity to pods on infeasible nodes still counts).
type PreScorePlugin interface {
	Plugin
	PreScore(ctx context.Context, state *CycleState, pod *v1.Pod, filtered, all []*NodeInfo) *Status
}

// ScorePlugin ranks a feasible node.
type ScorePlugin interface {
	Plugin
	Score(ctx context.Context, state *CycleState, pod *v1.Pod, node *NodeInfo) (int64, *Status)
}

// ScoreNormalizer maps a plugin's raw scores into [0, MaxNodeScore].
type ScoreNormalizer interface {
	NormalizeScore(ctx context.Context, state *CycleState, pod *v1.Pod, scores []NodeScore) *Status
}

// ReservePlugin claims resources of its own for the chosen node; Unreserve
// undoes it when a later step fails.
type ReservePlugin interface {
	Plugin
	Reserve(ctx context.Context, state *CycleState, pod *v1.Pod, nodeName string) *Status
	Unreserve(ctx context.Context, state *CycleState, pod *v1.Pod, nodeName string)
}

// BindPlugin writes the decision to the API server. A bind plugin that
// returns Skip leaves the pod to the next one.
type BindPlugin interface {
	Plugin
	Bind(ctx context.Context, state *CycleState, pod *v1.Pod, nodeName string) *Status
}

// ClusterEvent is a change in the cluster that can make an unschedulable pod
// schedulable.
type ClusterEvent string

// The cluster events the scheduler reacts to.
const (
	EventNodeAdd           ClusterEvent = "NodeAdd"
	EventNodeUpdate        ClusterEvent = "NodeUpdate"
	EventAssignedPodAdd    ClusterEvent = "AssignedPodAdd"
	EventAssignedPodUpdate ClusterEvent = "AssignedPodUpdate"
	EventAssignedPodDelete ClusterEvent = "AssignedPodDelete"
	EventNamespaceChange   ClusterEvent = "NamespaceChange"
	EventPDBChange         ClusterEvent = "PodDisruptionBudgetChange"
)

// EnqueueExtensions lets a plugin say which events may undo its
// rejections, so a pod is retried only when something relevant changed.
type EnqueueExtensions interface {
	EventsToRegister() []ClusterEvent
}

// NodeScore is one node's score.
type NodeScore struct {
	Name  string
	Score int64
}

// NodeToStatus records why each node was rejected.
type NodeToStatus map[string]*Status

// NodeLister is the read side of a snapshot.
type NodeLister interface {
	List() []*NodeInfo
	Get(name string) (*NodeInfo, bool)
}

// PodNominator knows pods that preempted others and wait for their room.
type PodNominator interface {
	NominatedPodsForNode(nodeName string) []*PodInfo
}

// Handle is what plugins may use of the framework that runs them.
type Handle interface {
	Snapshot() NodeLister
	RunPreFilterPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo) *Status
	RunFilterPluginsWithNominatedPods(ctx context.Context, state *CycleState, pod *v1.Pod, node *NodeInfo) *Status
	Parallelism() int
}
