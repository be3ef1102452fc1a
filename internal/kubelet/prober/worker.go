package prober

import (
	"context"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// worker probes one container with one probe until stopped.
type worker struct {
	m      *manager
	key    workerKey
	pod    *corev1.Pod
	target Target
	probe  *corev1.Probe
	cancel context.CancelFunc

	successes, failures int32
}

func (w *worker) stop() { w.cancel() }

func seconds(v, def int32) time.Duration {
	if v <= 0 {
		v = def
	}
	return time.Duration(v) * time.Second
}

// run probes every periodSeconds once initialDelaySeconds have passed
// since the container started. Liveness and readiness wait for the startup
// probe; a failed liveness or startup probe stops probing (the container
// is restarted, as a new container with new workers).
func (w *worker) run(ctx context.Context) {
	clk := w.m.o.Clock
	start := time.Unix(0, w.target.StartedAt)
	if delay := start.Add(seconds(w.probe.InitialDelaySeconds, 0)).Sub(clk.Now()); delay > 0 && !w.sleep(ctx, delay) {
		return
	}
	for {
		if !w.probeOnce(ctx) {
			return
		}
		if !w.sleep(ctx, seconds(w.probe.PeriodSeconds, 10)) {
			return
		}
	}
}

func (w *worker) sleep(ctx context.Context, d time.Duration) bool {
	t := w.m.o.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}

// probeOnce runs the probe if it should and records the result; false
// when the worker is done.
func (w *worker) probeOnce(ctx context.Context) bool {
	uid, id := w.key.uid, w.key.containerID
	switch {
	case w.key.kind == startup && w.m.Started(uid, id):
		return true // passed: nothing more to check, keep the result
	case w.key.kind != startup && !w.m.Started(uid, id):
		return true // gated by the startup probe
	}
	timeout := seconds(w.probe.TimeoutSeconds, 1)
	res, out := Run(ctx, w.m.o.Runtime, &w.probe.ProbeHandler, w.target.Container, id, w.target.PodIP, timeout)
	if ctx.Err() != nil {
		return false
	}
	if res != Success {
		w.unhealthy(res, out)
	}
	return w.record(res)
}

// record applies the success/failure thresholds.
func (w *worker) record(res Result) bool {
	if res == Success {
		w.failures = 0
		w.successes++
		if w.successes >= max(1, w.probe.SuccessThreshold) {
			w.m.set(w.key, Success)
		}
		return true
	}
	w.successes = 0
	w.failures++
	if w.failures < max(1, w.probe.FailureThreshold, thresholdDefault(w.probe)) {
		return true
	}
	w.m.set(w.key, Failure)
	return w.key.kind == readiness // liveness/startup: the container is killed
}

// thresholdDefault is failureThreshold's API default (3) when unset.
func thresholdDefault(p *corev1.Probe) int32 {
	if p.FailureThreshold == 0 {
		return 3
	}
	return 1
}

func (w *worker) unhealthy(res Result, out string) {
	if w.m.o.Recorder == nil {
		return
	}
	verb := "failed"
	if res == Unknown {
		verb = "errored"
	}
	kind := string(w.key.kind)
	ref := &corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: w.pod.Namespace, Name: w.pod.Name,
		UID: w.pod.UID, FieldPath: "spec.containers{" + w.target.Container.Name + "}"}
	w.m.o.Recorder.Eventf(ref, corev1.EventTypeWarning, "Unhealthy", "%s probe %s: %s",
		strings.ToUpper(kind[:1])+kind[1:], verb, strings.TrimSpace(out))
}
