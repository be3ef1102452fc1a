// Package scheduler assigns pending pods to nodes the way kube-scheduler
// does: a queue feeds one scheduling cycle at a time (filter, score,
// reserve), and binding happens asynchronously through pods/binding.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"

	v1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	schedlisters "k8s.io/client-go/listers/scheduling/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"rudder/internal/scheduler/cache"
	fw "rudder/internal/scheduler/framework"
	"rudder/internal/scheduler/plugins"
	"rudder/internal/scheduler/queue"
)

// Scheduler is one scheduler profile bound to a cluster.
type Scheduler struct {
	opts     Options
	client   kubernetes.Interface
	factory  informers.SharedInformerFactory
	log      *slog.Logger
	queue    *queue.PriorityQueue
	cache    *cache.Cache
	snapshot *cache.Snapshot
	fw       *fw.Framework
	algo     *algorithm
	metrics  *metrics

	broadcaster record.EventBroadcaster
	recorder    record.EventRecorder

	pods            corelisters.PodLister
	namespaces      corelisters.NamespaceLister
	pdbs            policylisters.PodDisruptionBudgetLister
	priorityClasses schedlisters.PriorityClassLister
	synced          []toolscache.InformerSynced

	// bindSlots bounds concurrent API calls made for decided pods.
	bindSlots chan struct{}
	inflight  sync.WaitGroup
}

// New wires a scheduler to the informers of factory; call factory.Start
// (before or after) and then Run.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, opts Options) (*Scheduler, error) {
	opts.setDefaults()
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("scheduler metrics: %w", err)
	}
	s := &Scheduler{
		opts:            opts,
		client:          client,
		factory:         factory,
		log:             slog.Default().With("component", "scheduler"),
		cache:           cache.New(opts.Clock, 0),
		snapshot:        cache.NewSnapshot(),
		metrics:         m,
		pods:            factory.Core().V1().Pods().Lister(),
		namespaces:      factory.Core().V1().Namespaces().Lister(),
		pdbs:            factory.Policy().V1().PodDisruptionBudgets().Lister(),
		priorityClasses: factory.Scheduling().V1().PriorityClasses().Lister(),
		bindSlots:       make(chan struct{}, opts.MaxConcurrentBinds),
	}
	s.broadcaster = record.NewBroadcaster()
	s.recorder = s.broadcaster.NewRecorder(scheme.Scheme, v1.EventSource{Component: opts.SchedulerName})
	if err := s.buildFramework(); err != nil {
		return nil, err
	}
	if err := s.addEventHandlers(); err != nil {
		return nil, err
	}
	return s, nil
}

// buildFramework creates the queue (which is also the nominator) and the
// default plugin profile.
func (s *Scheduler) buildFramework() error {
	var nominator lazyNominator
	profile := plugins.DefaultProfile(plugins.Deps{
		Client:          s.client,
		ScoringStrategy: s.opts.ScoringStrategy,
		NamespaceLabels: s.namespaceLabels,
		Preemption: plugins.PreemptionDeps{
			Client:   s.client,
			Recorder: s.recorder,
			PDBs: func() ([]*policyv1.PodDisruptionBudget, error) {
				return s.pdbs.List(labels.Everything())
			},
		},
	})
	f, err := fw.New(profile, fw.Options{Snapshot: s.snapshot, Nominator: &nominator, Parallelism: s.opts.Parallelism})
	if err != nil {
		return fmt.Errorf("scheduler framework: %w", err)
	}
	s.fw = f
	s.queue = queue.New(queue.Options{
		Clock:          s.opts.Clock,
		InitialBackoff: s.opts.PodInitialBackoff,
		MaxBackoff:     s.opts.PodMaxBackoff,
		EventPlugins:   f.EventsToRegister(),
	})
	nominator.q = s.queue
	s.algo = &algorithm{fw: f, nodes: s.snapshot, percentageOfNodesToScore: s.opts.PercentageOfNodesToScore,
		rand: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
	return nil
}

// lazyNominator breaks the construction cycle: the framework needs the
// nominator, the queue needs the framework's event registrations.
type lazyNominator struct{ q *queue.PriorityQueue }

func (l *lazyNominator) NominatedPodsForNode(node string) []*fw.PodInfo {
	return l.q.NominatedPodsForNode(node)
}

func (s *Scheduler) namespaceLabels(ns string) labels.Set {
	obj, err := s.namespaces.Get(ns)
	if err != nil {
		return nil
	}
	return obj.Labels
}

// Run schedules until ctx ends, then waits for bindings in flight.
func (s *Scheduler) Run(ctx context.Context) {
	s.broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: s.client.CoreV1().Events("")})
	defer s.broadcaster.Shutdown()
	s.factory.Start(ctx.Done())
	if !toolscache.WaitForCacheSync(ctx.Done(), s.synced...) {
		return
	}
	go s.queue.Run(ctx)
	go s.cache.Run(ctx)
	s.log.Info("scheduler started", "schedulerName", s.opts.SchedulerName)
	for s.scheduleOne(ctx) {
	}
	s.inflight.Wait()
}
