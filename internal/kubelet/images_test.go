package kubelet

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	testingclock "k8s.io/utils/clock/testing"

	"rudder/internal/kubelet/runtime/fake"
)

// pullCounter counts PullImage calls reaching the fake runtime.
type pullCounter struct {
	*fake.Runtime
	pulls atomic.Int32
}

func (p *pullCounter) PullImage(ctx context.Context, req *runtimeapi.PullImageRequest) (*runtimeapi.PullImageResponse, error) {
	p.pulls.Add(1)
	return p.Runtime.PullImage(ctx, req)
}

// imageFixture is a kubelet on a fake runtime whose pulls of "bad:v1" fail
// while failing is set.
func imageFixture(t *testing.T) (*Kubelet, *pullCounter, *record.FakeRecorder, *testingclock.FakeClock, *atomic.Bool) {
	t.Helper()
	failing := &atomic.Bool{}
	failing.Store(true)
	clk := testingclock.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	rt, err := fake.New("10.42.0.0/24", fake.WithPullError(func(image string) error {
		if image == "bad:v1" && failing.Load() {
			return errors.New(`failed to resolve reference "bad:v1": not found`)
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	counter := &pullCounter{Runtime: rt}
	rec := record.NewFakeRecorder(100)
	k := &Kubelet{cfg: Config{Clock: clk, BackOffInitial: 10 * time.Second, BackOffMax: 5 * time.Minute},
		rt: counter, log: slog.Default(), recorder: rec, imageBackOff: newImageBackOff(10*time.Second, 5*time.Minute)}
	return k, counter, rec, clk, failing
}

func drain(rec *record.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func hasEvent(events []string, prefix string) bool {
	for _, e := range events {
		if strings.HasPrefix(e, prefix) {
			return true
		}
	}
	return false
}

func TestImagePullPolicies(t *testing.T) {
	tests := []struct {
		name       string
		image      string
		policy     corev1.PullPolicy
		present    bool
		wantReason string // "" : available
		wantPulls  int32
	}{
		{"never, absent", "app:v1", corev1.PullNever, false, "ErrImageNeverPull", 0},
		{"never, present", "app:v1", corev1.PullNever, true, "", 0},
		{"if not present, present", "app:v1", corev1.PullIfNotPresent, true, "", 0},
		{"if not present, absent", "app:v1", corev1.PullIfNotPresent, false, "", 1},
		{"always, present", "app:v1", corev1.PullAlways, true, "", 1},
		{"default for latest is always", "app:latest", "", true, "", 1},
		{"default for a tag is if not present", "app:v1", "", true, "", 0},
		{"pull fails", "bad:v1", corev1.PullIfNotPresent, false, "ErrImagePull", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, rt, rec, _, _ := imageFixture(t)
			if tt.present {
				rt.Runtime.PullImage(context.Background(), &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: tt.image}})
			}
			pod := hookPod(corev1.Container{Name: "c", Image: tt.image, ImagePullPolicy: tt.policy})
			w, _ := k.ensureImage(context.Background(), pod, &pod.Spec.Containers[0], nil)
			switch {
			case tt.wantReason == "" && w != nil:
				t.Fatalf("waiting %s: %s, want the image available", w.Reason, w.Message)
			case tt.wantReason != "" && (w == nil || w.Reason != tt.wantReason):
				t.Fatalf("waiting %+v, want reason %s", w, tt.wantReason)
			}
			if got := rt.pulls.Load(); got != tt.wantPulls {
				t.Errorf("pulls = %d, want %d", got, tt.wantPulls)
			}
			if tt.wantReason == "ErrImageNeverPull" && !hasEvent(drain(rec), "Warning ErrImageNeverPull") {
				t.Error("no ErrImageNeverPull event")
			}
		})
	}
}

// TestImagePullBackOff follows one failing image: ErrImagePull with a
// Failed event, then ImagePullBackOff with a BackOff event (and no pull)
// until the delay has passed; the delay doubles up to 5m and a successful
// pull resets it.
func TestImagePullBackOff(t *testing.T) {
	k, rt, rec, clk, failing := imageFixture(t)
	pod := hookPod(corev1.Container{Name: "c", Image: "bad:v1"})
	ensure := func() (*corev1.ContainerStateWaiting, time.Duration) {
		return k.ensureImage(context.Background(), pod, &pod.Spec.Containers[0], nil)
	}
	wantDelays := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 5 * time.Minute, 5 * time.Minute}
	for i, want := range wantDelays {
		pullsBefore := rt.pulls.Load()
		w, retry := ensure()
		if w == nil || w.Reason != "ErrImagePull" || !strings.Contains(w.Message, "not found") || retry != want/2 {
			t.Fatalf("failure %d: waiting %+v retry %s, want ErrImagePull with the runtime's error, look again in %s", i, w, retry, want/2)
		}
		if rt.pulls.Load() != pullsBefore+1 {
			t.Fatalf("failure %d: no pull", i)
		}
		if ev := drain(rec); !hasEvent(ev, `Warning Failed Failed to pull image "bad:v1"`) {
			t.Fatalf("failure %d: events %q, want Failed", i, ev)
		}
		clk.Step(want - time.Second)
		w, retry = ensure()
		if w == nil || w.Reason != "ImagePullBackOff" || w.Message != `Back-off pulling image "bad:v1"` || retry != time.Second {
			t.Fatalf("back-off %d: waiting %+v retry %s, want ImagePullBackOff, retry 1s", i, w, retry)
		}
		if rt.pulls.Load() != pullsBefore+1 {
			t.Fatalf("back-off %d: pulled while backing off", i)
		}
		if ev := drain(rec); !hasEvent(ev, `Normal BackOff Back-off pulling image "bad:v1"`) {
			t.Fatalf("back-off %d: events %q, want BackOff", i, ev)
		}
		clk.Step(time.Second)
	}
	failing.Store(false)
	if w, _ := ensure(); w != nil {
		t.Fatalf("after the image appeared: waiting %+v", w)
	}
	failing.Store(true)
	pod.Spec.Containers[0].ImagePullPolicy = corev1.PullAlways // pull again although present
	if w, retry := ensure(); w == nil || w.Reason != "ErrImagePull" || retry != 5*time.Second {
		t.Fatalf("after a success: waiting %+v retry %s, want ErrImagePull with back-off reset to 10s", w, retry)
	}
}

func TestImageBackOffPerPodAndImage(t *testing.T) {
	b := newImageBackOff(10*time.Second, 5*time.Minute)
	now := time.Now()
	b.failed(imageBackOffKey("u1", "bad:v1"), now)
	if b.waitFor(imageBackOffKey("u2", "bad:v1"), now) != 0 || b.waitFor(imageBackOffKey("u1", "other:v1"), now) != 0 {
		t.Fatal("back-off leaked to another pod or image")
	}
	if b.waitFor(imageBackOffKey("u1", "bad:v1"), now) != 10*time.Second {
		t.Fatal("no back-off for the failed pod and image")
	}
	b.forget("u1/")
	if b.waitFor(imageBackOffKey("u1", "bad:v1"), now) != 0 {
		t.Fatal("forget kept the pod's back-off")
	}
}
