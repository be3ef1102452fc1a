package kubelet

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// ensureImage pulls a container's image as its imagePullPolicy says. When
// the image is not available it returns the waiting state to report and
// when to try again. Failed pulls back off per pod and image (ErrImagePull,
// then ImagePullBackOff until the delay has passed), as in Kubernetes.
func (k *Kubelet) ensureImage(ctx context.Context, pod *corev1.Pod, c *corev1.Container, sb *runtimeapi.PodSandboxConfig) (*corev1.ContainerStateWaiting, time.Duration) {
	spec := &runtimeapi.ImageSpec{Image: c.Image}
	policy := pullPolicy(c)
	if policy != corev1.PullAlways {
		st, err := k.rt.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: spec})
		if err != nil {
			return &corev1.ContainerStateWaiting{Reason: "ErrImageInspect", Message: fmt.Sprintf("inspect image %q: %v", c.Image, err)}, k.cfg.BackOffInitial
		}
		if st.Image != nil {
			k.event(pod, c.Name, corev1.EventTypeNormal, reasonPulled, "Container image %q already present on machine", c.Image)
			return nil, 0
		}
	}
	if policy == corev1.PullNever {
		msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", c.Image)
		k.event(pod, c.Name, corev1.EventTypeWarning, "ErrImageNeverPull", "%s", msg)
		return &corev1.ContainerStateWaiting{Reason: "ErrImageNeverPull", Message: msg}, k.cfg.BackOffInitial
	}
	key := imageBackOffKey(string(pod.UID), c.Image)
	if wait := k.imageBackOff.waitFor(key, k.cfg.Clock.Now()); wait > 0 {
		msg := fmt.Sprintf("Back-off pulling image %q", c.Image)
		k.event(pod, c.Name, corev1.EventTypeNormal, reasonBackOff, "%s", msg)
		return &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: msg}, wait
	}
	return k.pull(ctx, pod, c, sb, key)
}

// pull pulls an image now and records the outcome in the image back-off.
func (k *Kubelet) pull(ctx context.Context, pod *corev1.Pod, c *corev1.Container, sb *runtimeapi.PodSandboxConfig, key string) (*corev1.ContainerStateWaiting, time.Duration) {
	k.event(pod, c.Name, corev1.EventTypeNormal, reasonPulling, "Pulling image %q", c.Image)
	start := k.cfg.Clock.Now()
	req := &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: c.Image}, SandboxConfig: sb}
	if _, err := k.rt.PullImage(ctx, req); err != nil {
		delay := k.imageBackOff.failed(key, k.cfg.Clock.Now())
		k.log.Info("pull image failed", "pod", podKey(pod), "image", c.Image, "err", err, "backOff", delay)
		k.event(pod, c.Name, corev1.EventTypeWarning, reasonFailed, "Failed to pull image %q: %v", c.Image, err)
		k.event(pod, c.Name, corev1.EventTypeWarning, reasonFailed, "Error: ErrImagePull")
		// Look again halfway through the delay, so the pod shows
		// ImagePullBackOff between attempts as in Kubernetes.
		return &corev1.ContainerStateWaiting{Reason: "ErrImagePull", Message: err.Error()}, delay / 2
	}
	k.imageBackOff.succeeded(key)
	took := k.cfg.Clock.Since(start)
	k.event(pod, c.Name, corev1.EventTypeNormal, reasonPulled, "Successfully pulled image %q in %s (%s including waiting)", c.Image, took, took)
	return nil, 0
}

// pullPolicy is the container's policy, defaulted as the API does.
func pullPolicy(c *corev1.Container) corev1.PullPolicy {
	if c.ImagePullPolicy != "" {
		return c.ImagePullPolicy
	}
	name := c.Image
	if i := strings.LastIndex(name, "@"); i >= 0 {
		return corev1.PullIfNotPresent
	}
	if i := strings.LastIndex(name, ":"); i < 0 || strings.Contains(name[i:], "/") || name[i+1:] == "latest" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}
