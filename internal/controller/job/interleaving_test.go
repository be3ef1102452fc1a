package job

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"rudder/internal/testenv"
)

// stepEnv runs the controller against a real API server but plays its
// informers by hand: the test decides when the controller's caches show
// an object, and may let that happen in the middle of a sync, so that an
// interleaving of informer events and syncs is reproduced every time.
type stepEnv struct {
	*env
	t    *testing.T
	c    *Controller
	jobs cache.Indexer
	key  string
	name string

	mu sync.Mutex
	// onStatusWrite runs when the controller sends a job status write,
	// before the API server sees it; nil does nothing.
	onStatusWrite func()
}

// startStepEnv starts an API server and a controller whose informers
// never run; the job is created and shown to the controller.
func startStepEnv(t *testing.T, job *batchv1.Job) *stepEnv {
	t.Helper()
	te := testenv.Start(t, "job-controller")
	s := &stepEnv{env: &env{client: te.Client, ctx: te.Ctx}, t: t, name: job.Name, key: "default/" + job.Name}
	s.c = New(s.hookedClient(te), te.Factory, te.Recorder, Options{PodBackoffBase: -1})
	s.jobs = te.Factory.Batch().V1().Jobs().Informer().GetIndexer()
	s.create(t, job)
	s.showJob()
	return s
}

// hookedClient is a client of the same API server whose job status
// writes first run onStatusWrite.
func (s *stepEnv) hookedClient(te *testenv.Env) kubernetes.Interface {
	s.t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", te.Server.KubeconfigPath)
	if err != nil {
		s.t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 500, 1000
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/jobs/") && strings.HasSuffix(r.URL.Path, "/status") {
				s.mu.Lock()
				hook := s.onStatusWrite
				s.onStatusWrite = nil
				s.mu.Unlock()
				if hook != nil {
					hook()
				}
			}
			return rt.RoundTrip(r)
		})
	})
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	return client
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// beforeNextStatusWrite arranges for f to run once, during the next job
// status write of a sync.
func (s *stepEnv) beforeNextStatusWrite(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onStatusWrite = f
}

// sync runs one sync of the job, as a queue worker would.
func (s *stepEnv) sync() {
	s.t.Helper()
	if _, err := s.c.sync(s.ctx, s.key); err != nil {
		s.t.Fatalf("sync: %v", err)
	}
}

// showJob lets the job informer catch up with the API server.
func (s *stepEnv) showJob() {
	s.t.Helper()
	if err := s.jobs.Update(s.getJob(s.t, s.name)); err != nil {
		s.t.Fatal(err)
	}
}

// showPod lets the pod informer catch up with the API server on one pod,
// with the event the informer would deliver.
func (s *stepEnv) showPod(name string) {
	s.t.Helper()
	pod, err := s.client.CoreV1().Pods("default").Get(s.ctx, name, metav1.GetOptions{})
	if err != nil {
		s.t.Fatal(err)
	}
	old, known, err := s.c.podIndex.Get(pod)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.c.podIndex.Update(pod); err != nil {
		s.t.Fatal(err)
	}
	if known {
		s.c.podUpdated(old, pod)
	} else {
		s.c.podAdded(pod)
	}
}

// podNames lists the job's pods in the API server (not the cache), in
// creation order.
func (s *stepEnv) podNames() []string {
	s.t.Helper()
	list, err := s.client.CoreV1().Pods("default").List(s.ctx, metav1.ListOptions{LabelSelector: "job-name=" + s.name})
	if err != nil {
		s.t.Fatal(err)
	}
	var names []string
	for _, p := range list.Items {
		names = append(names, p.Name)
	}
	return names
}

// newPods returns the job's pods that are not among known.
func (s *stepEnv) newPods(known ...string) []string {
	s.t.Helper()
	var out []string
	for _, n := range s.podNames() {
		if !slices.Contains(known, n) {
			out = append(out, n)
		}
	}
	return out
}

// succeed plays the kubelet ending a pod successfully; the informers do
// not show it yet.
func (s *stepEnv) succeed(name string) {
	s.t.Helper()
	s.finishPod(s.t, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}}, corev1.PodSucceeded, 0)
}

// A pod created by one sync and first shown by the pod informer while the
// next sync is under way must not be created again: that sync's pod list
// was read before the pod showed up, so it may not take the expectation
// the pod's arrival satisfied as leave to create pods.
func TestPodShownMidSyncIsNotCreatedAgain(t *testing.T) {
	s := startStepEnv(t, newJob("mid", func(j *batchv1.Job) {
		j.Spec.Completions, j.Spec.Parallelism = ptr.To[int32](3), ptr.To[int32](2)
	}))
	s.sync()
	first := s.podNames()
	if len(first) != 2 {
		t.Fatalf("first sync created %v, want 2 pods", first)
	}
	s.showJob()
	p1, p2 := first[0], first[1]
	s.showPod(p1)
	s.showPod(p2)

	s.succeed(p1)
	s.showPod(p1)
	s.sync() // counts p1 and creates its replacement p3
	created := s.newPods(p1, p2)
	if len(created) != 1 {
		t.Fatalf("after p1 succeeded the sync created %v, want one pod", created)
	}
	p3 := created[0]
	s.showJob()
	s.showPod(p1) // its tracking finalizer is gone

	// p2 succeeds. The pod informer has not shown p3 yet when the next
	// sync reads the job's pods, and shows it while that sync writes the
	// job's status to count p2.
	s.succeed(p2)
	s.showPod(p2)
	shown := false
	s.beforeNextStatusWrite(func() {
		s.showPod(p3)
		shown = true
	})
	s.sync()
	if !shown {
		t.Fatal("the sync wrote no job status, so p3 was never shown mid-sync")
	}
	if extra := s.newPods(p1, p2, p3); len(extra) > 0 {
		t.Fatalf("sync created %v although p3 already runs the last completion", extra)
	}

	// The job still completes with the pods it has.
	s.showJob()
	s.showPod(p2)
	s.sync()
	s.showJob()
	s.succeed(p3)
	s.showPod(p3)
	s.sync()
	s.showJob()
	s.showPod(p3)
	s.sync()
	job := s.getJob(t, "mid")
	if !hasTrueCondition(&job.Status, batchv1.JobComplete) || job.Status.Succeeded != 3 {
		t.Errorf("job status %+v, want Complete with 3 succeeded", job.Status)
	}
	if pods := s.podNames(); len(pods) != 3 {
		t.Errorf("job has pods %v, want 3", pods)
	}
}

// A pod whose tracking finalizer the controller removed, and whose count
// the job's status already shows, must not be counted again by a sync that
// sees that status but still the pod with its finalizer: the pod
// informer can lag behind the job informer.
func TestReleasedPodNotYetShownIsNotCountedTwice(t *testing.T) {
	s := startStepEnv(t, newJob("twice", func(j *batchv1.Job) {
		j.Spec.Completions, j.Spec.Parallelism = ptr.To[int32](2), ptr.To[int32](1)
	}))
	s.sync()
	pods := s.podNames()
	if len(pods) != 1 {
		t.Fatalf("first sync created %v, want 1 pod", pods)
	}
	p1 := pods[0]
	s.showJob()
	s.showPod(p1)

	s.succeed(p1)
	s.showPod(p1)
	s.sync() // counts p1: uncounted, finalizer removed, succeeded 1; creates p2
	created := s.newPods(p1)
	if len(created) != 1 {
		t.Fatalf("after p1 succeeded the sync created %v, want one pod", created)
	}
	p2 := created[0]
	// The job informer shows the count, the pod informer p2 but not yet
	// p1's finalizer removal.
	s.showJob()
	s.showPod(p2)
	s.sync()
	if job := s.getJob(t, "twice"); job.Status.Succeeded+int32(len(job.Status.UncountedTerminatedPods.Succeeded)) != 1 ||
		hasTrueCondition(&job.Status, batchv1.JobSuccessCriteriaMet) {
		t.Fatalf("one pod succeeded, but the job's status is %+v", job.Status)
	}

	// Once the informer shows the removal, the job goes on.
	s.showPod(p1)
	s.showJob()
	s.sync()
	s.showJob()
	s.succeed(p2)
	s.showPod(p2)
	s.sync()
	s.showJob()
	s.showPod(p2)
	s.sync()
	job := s.getJob(t, "twice")
	if !hasTrueCondition(&job.Status, batchv1.JobComplete) || job.Status.Succeeded != 2 {
		t.Errorf("job status %+v, want Complete with 2 succeeded", job.Status)
	}
}
