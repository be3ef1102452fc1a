package kubelet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/fieldpath"
	"rudder/internal/kubelet/gc"
)

// stopContainer sends SIGTERM and, after grace seconds, SIGKILL (the
// runtime does both, given the timeout).
func (k *Kubelet) stopContainer(ctx context.Context, id string, grace int64) error {
	_, err := k.rt.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: id, Timeout: grace})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("stop container %s: %w", id, err)
	}
	return nil
}

// killPod stops every running container, app containers first (in
// parallel, each after its preStop hook), then sidecars, then the
// sandboxes.
func (k *Kubelet) killPod(ctx context.Context, pod *corev1.Pod, rt *podRuntime, grace int64) error {
	sidecars := map[string]bool{}
	for i := range pod.Spec.InitContainers {
		sidecars[pod.Spec.InitContainers[i].Name] = isSidecar(&pod.Spec.InitContainers[i])
	}
	var apps, last []*containerInfo
	for name, list := range rt.Containers {
		for _, c := range list {
			if !c.running() && c.State != runtimeapi.ContainerState_CONTAINER_CREATED {
				continue
			}
			if sidecars[name] {
				last = append(last, c)
			} else {
				apps = append(apps, c)
			}
		}
	}
	st := k.runtimeStatus(pod, rt)
	if err := k.killAll(ctx, pod, apps, grace, st); err != nil {
		return err
	}
	if err := k.killAll(ctx, pod, last, grace, st); err != nil {
		return err
	}
	return k.stopSandboxes(ctx, rt)
}

func (k *Kubelet) killAll(ctx context.Context, pod *corev1.Pod, cs []*containerInfo, grace int64, st fieldpath.Status) error {
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = k.killContainer(ctx, pod, containerSpec(pod, c.Name), c.ID, grace, st)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (k *Kubelet) stopAll(ctx context.Context, ids []string, grace int64) error {
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = k.stopContainer(ctx, id, grace)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (k *Kubelet) stopSandboxes(ctx context.Context, rt *podRuntime) error {
	for _, sb := range rt.Sandboxes {
		if !sb.Ready {
			continue
		}
		if _, err := k.rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb.ID}); err != nil && !isNotFound(err) {
			return fmt.Errorf("stop sandbox %s: %w", sb.ID, err)
		}
	}
	return nil
}

// terminatePod kills a pod being deleted within its grace period, reports
// its final status and deletes the object for good (grace 0, UID
// precondition: never a newer pod of the same name).
func (k *Kubelet) terminatePod(ctx context.Context, pod *corev1.Pod, rt *podRuntime) time.Duration {
	k.cfg.Prober.Forget(pod.UID)
	if err := k.killPod(ctx, pod, rt, gracePeriod(pod)); err != nil {
		k.log.Warn("kill pod", "pod", podKey(pod), "err", err)
		return retryDelay
	}
	if fresh, err := k.inspectPod(ctx, pod.UID); err == nil {
		if err := k.status.writeNow(ctx, pod, k.computeStatus(pod, fresh, nil, true)); err != nil {
			k.log.Warn("final pod status", "pod", podKey(pod), "err", err)
		}
	}
	uid := pod.UID
	err := k.cfg.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptrTo(int64(0)),
		Preconditions:      &metav1.Preconditions{UID: &uid},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		k.log.Warn("delete pod", "pod", podKey(pod), "err", err)
		return retryDelay
	}
	return 0 // the informer's delete event brings the cleanup
}

// cleanupPod removes everything of a pod that is gone from the API.
func (k *Kubelet) cleanupPod(ctx context.Context, ref podRef, rt *podRuntime) (time.Duration, bool) {
	k.cfg.Prober.Forget(ref.UID)
	var ids []string
	for _, list := range rt.Containers {
		for _, c := range list {
			if c.running() {
				ids = append(ids, c.ID)
			}
		}
	}
	err := k.stopAll(ctx, ids, 0)
	for _, list := range rt.Containers {
		for _, c := range list {
			err = errors.Join(err, k.removeContainer(ctx, c.ID))
		}
	}
	err = errors.Join(err, k.stopSandboxes(ctx, rt))
	for _, sb := range rt.Sandboxes {
		if _, e := k.rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb.ID}); e != nil && !isNotFound(e) {
			err = errors.Join(err, fmt.Errorf("remove sandbox %s: %w", sb.ID, e))
		}
	}
	if err == nil {
		err = k.volumes.TearDown(ref.UID)
	}
	if err == nil {
		err = k.removePodCgroup(ref.UID)
	}
	if err == nil {
		err = k.removePodLogs(ref)
	}
	if err != nil {
		k.log.Warn("clean up pod", "pod", ref.Namespace+"/"+ref.Name, "err", err)
		return retryDelay, false
	}
	k.status.forget(ref.UID)
	k.backOff.forget(string(ref.UID) + "/")
	k.imageBackOff.forget(string(ref.UID) + "/")
	return 0, true
}

// removeContainer removes a container with its log file.
func (k *Kubelet) removeContainer(ctx context.Context, id string) error {
	return gc.RemoveContainer(ctx, k.rt, id)
}

// removePodLogs removes the log directory of a pod that is gone, on a
// real node (a simulated one writes none).
func (k *Kubelet) removePodLogs(ref podRef) error {
	if k.cfg.RootDir == "" || ref.Name == "" {
		return nil
	}
	dir := filepath.Join(k.cfg.PodLogsDir, fmt.Sprintf("%s_%s_%s", ref.Namespace, ref.Name, ref.UID))
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove pod logs: %w", err)
	}
	return nil
}

// collectGarbage is the quick per-pod collection after a sync: beside the
// current instance of each container it keeps MaxPerPodContainer dead ones
// (the periodic gcLoop applies the whole policy), and removes dead
// sandboxes with no container.
func (k *Kubelet) collectGarbage(ctx context.Context, rt *podRuntime) {
	keep := k.cfg.ContainerGC.MaxPerPodContainer
	used := map[string]bool{}
	for _, list := range rt.Containers {
		for i, c := range list {
			if keep >= 0 && i > keep && c.exited() {
				if err := k.removeContainer(ctx, c.ID); err != nil {
					k.log.Warn("garbage collection", "err", err)
				}
				continue
			}
			used[c.SandboxID] = true
		}
	}
	for i, sb := range rt.Sandboxes {
		if i > 0 && !sb.Ready && !used[sb.ID] {
			if _, err := k.rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb.ID}); err != nil && !isNotFound(err) {
				k.log.Warn("garbage collection", "sandbox", sb.ID, "err", err)
			}
		}
	}
}
