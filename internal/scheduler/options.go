package scheduler

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"

	"rudder/internal/scheduler/plugins"
	"rudder/internal/scheduler/queue"
)

// DefaultSchedulerName is the spec.schedulerName this scheduler serves by
// default, and the reporting controller of its events.
const DefaultSchedulerName = "default-scheduler"

// Options configure a Scheduler; zero values take Kubernetes' defaults.
type Options struct {
	// SchedulerName: pods naming another scheduler are ignored.
	SchedulerName string
	// Parallelism is the number of workers filtering and scoring nodes
	// (default 16).
	Parallelism int
	// PodInitialBackoff and PodMaxBackoff bound the per-pod retry backoff
	// (1s and 10s).
	PodInitialBackoff time.Duration
	PodMaxBackoff     time.Duration
	// PercentageOfNodesToScore: 0 is adaptive; at least 100 nodes are
	// always evaluated.
	PercentageOfNodesToScore int32
	// ScoringStrategy of NodeResourcesFit: LeastAllocated (default) or
	// MostAllocated (bin packing).
	ScoringStrategy plugins.ScoringStrategy
	// MaxConcurrentBinds bounds binding goroutines (default 1024).
	MaxConcurrentBinds int
	// Registerer receives the metrics (default prometheus.DefaultRegisterer).
	Registerer prometheus.Registerer
	// Clock drives the queue's backoff (default real time).
	Clock clock.WithTicker
}

func (o *Options) setDefaults() {
	if o.SchedulerName == "" {
		o.SchedulerName = DefaultSchedulerName
	}
	if o.Parallelism <= 0 {
		o.Parallelism = 16
	}
	if o.PodInitialBackoff <= 0 {
		o.PodInitialBackoff = queue.DefaultInitialBackoff
	}
	if o.PodMaxBackoff <= 0 {
		o.PodMaxBackoff = queue.DefaultMaxBackoff
	}
	if o.MaxConcurrentBinds <= 0 {
		o.MaxConcurrentBinds = 1024
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.DefaultRegisterer
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
}
