package bench

import (
	"math"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestScaleParseStatCPU(t *testing.T) {
	// Fields after the name: state ppid pgrp session tty tpgid flags minflt
	// cminflt majflt cmajflt utime stime ...
	cases := []struct {
		name, stat string
		want       time.Duration
		wantErr    bool
	}{
		{"plain", "42 (rudder) S 1 42 42 0 -1 4194560 10 0 0 0 250 130 0 0", 3800 * time.Millisecond, false},
		{"name with spaces and parens", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 1 2 0", 30 * time.Millisecond, false},
		{"truncated", "7 (x) R 1 7", 0, true},
		{"no name", "garbage", 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := scaleParseStatCPU(c.stat)
			if (err != nil) != c.wantErr || got != c.want {
				t.Errorf("scaleParseStatCPU = %v, %v; want %v, error %v", got, err, c.want, c.wantErr)
			}
		})
	}
}

func TestScaleReadUsageOfSelf(t *testing.T) {
	u, err := scaleReadUsage(os.Getpid())
	if err != nil {
		t.Fatalf("scaleReadUsage(self): %v", err)
	}
	if u.rssMiB <= 0 || u.peakMiB < u.rssMiB {
		t.Errorf("rss %v MiB, peak %v MiB; want 0 < rss <= peak", u.rssMiB, u.peakMiB)
	}
}

func scalePod(uid, node string, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{UID: types.UID(uid)},
		Spec:       corev1.PodSpec{NodeName: node},
		Status:     corev1.PodStatus{Phase: phase},
	}
}

func TestScaleTrackerMilestones(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(1000+int64(s), 0) }
	tr := newScaleTracker(2)
	tr.observe(scalePod("a", "", corev1.PodPending), at(0))
	tr.observe(scalePod("b", "", corev1.PodPending), at(1))
	tr.observe(scalePod("a", "n1", corev1.PodPending), at(2))
	tr.observe(scalePod("a", "n1", corev1.PodRunning), at(3))
	tr.observe(scalePod("a", "n1", corev1.PodRunning), at(4)) // a repeat changes nothing
	select {
	case <-tr.done:
		t.Fatal("done with one pod of two Running")
	default:
	}
	tr.observe(scalePod("b", "n2", corev1.PodRunning), at(5)) // bound and Running in one event
	select {
	case <-tr.done:
	default:
		t.Fatal("not done with both pods Running")
	}
	m, c, b, r := tr.snapshot()
	want := scaleMarks{firstCreated: at(0), allCreated: at(1), firstBound: at(2), allBound: at(5), firstRunning: at(3), allRunning: at(5)}
	if m != want || c != 2 || b != 2 || r != 2 {
		t.Errorf("marks %+v counts %d/%d/%d; want %+v 2/2/2", m, c, b, r, want)
	}
}

const scaleSampleMetrics = `# TYPE scheduler_scheduling_attempt_duration_seconds histogram
scheduler_scheduling_attempt_duration_seconds_bucket{profile="default-scheduler",result="scheduled",le="0.001"} 10
scheduler_scheduling_attempt_duration_seconds_bucket{profile="default-scheduler",result="scheduled",le="0.002"} 90
scheduler_scheduling_attempt_duration_seconds_bucket{profile="default-scheduler",result="scheduled",le="0.004"} 99
scheduler_scheduling_attempt_duration_seconds_bucket{profile="default-scheduler",result="scheduled",le="+Inf"} 100
scheduler_scheduling_attempt_duration_seconds_sum{profile="default-scheduler",result="scheduled"} 0.2
scheduler_scheduling_attempt_duration_seconds_bucket{profile="default-scheduler",result="error",le="0.001"} 0
scheduler_scheduling_attempt_duration_seconds_bucket{profile="default-scheduler",result="error",le="+Inf"} 5
`

func TestScaleHistogramQuantile(t *testing.T) {
	buckets, err := scaleHistogram(scaleSampleMetrics, "scheduler_scheduling_attempt_duration_seconds", `result="scheduled"`)
	if err != nil {
		t.Fatal(err)
	}
	if len(buckets) != 4 {
		t.Fatalf("got %d buckets %v, want 4 (the error series filtered out)", len(buckets), buckets)
	}
	cases := []struct {
		q, want float64
	}{{0.05, 0.001}, {0.5, 0.002}, {0.99, 0.004}, {1, math.Inf(1)}}
	for _, c := range cases {
		if got := scaleQuantile(buckets, c.q); got != c.want {
			t.Errorf("quantile %v = %v, want %v", c.q, got, c.want)
		}
	}
	if got := scaleQuantile(nil, 0.99); !math.IsNaN(got) {
		t.Errorf("quantile of no buckets = %v, want NaN", got)
	}
}
