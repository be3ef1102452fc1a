package kubelet

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// ensureImage pulls a container's image as its imagePullPolicy says. It
// returns the waiting state to report when the image is not available.
func (k *Kubelet) ensureImage(ctx context.Context, pod *corev1.Pod, c *corev1.Container, sb *runtimeapi.PodSandboxConfig) *corev1.ContainerStateWaiting {
	spec := &runtimeapi.ImageSpec{Image: c.Image}
	policy := pullPolicy(c)
	if policy != corev1.PullAlways {
		st, err := k.rt.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: spec})
		if err != nil {
			return &corev1.ContainerStateWaiting{Reason: "ErrImageInspect", Message: fmt.Sprintf("inspect image %q: %v", c.Image, err)}
		}
		if st.Image != nil {
			k.event(pod, c.Name, corev1.EventTypeNormal, reasonPulled, "Container image %q already present on machine", c.Image)
			return nil
		}
	}
	if policy == corev1.PullNever {
		msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", c.Image)
		k.event(pod, c.Name, corev1.EventTypeWarning, "ErrImageNeverPull", "%s", msg)
		return &corev1.ContainerStateWaiting{Reason: "ErrImageNeverPull", Message: msg}
	}
	k.event(pod, c.Name, corev1.EventTypeNormal, reasonPulling, "Pulling image %q", c.Image)
	start := k.cfg.Clock.Now()
	if _, err := k.rt.PullImage(ctx, &runtimeapi.PullImageRequest{Image: spec, SandboxConfig: sb}); err != nil {
		k.log.Info("pull image failed", "pod", podKey(pod), "image", c.Image, "err", err)
		k.event(pod, c.Name, corev1.EventTypeWarning, reasonFailed, "Failed to pull image %q: %v", c.Image, err)
		k.event(pod, c.Name, corev1.EventTypeWarning, reasonFailed, "Error: ErrImagePull")
		return &corev1.ContainerStateWaiting{Reason: "ErrImagePull", Message: err.Error()}
	}
	took := k.cfg.Clock.Since(start)
	k.event(pod, c.Name, corev1.EventTypeNormal, reasonPulled, "Successfully pulled image %q in %s (%s including waiting)", c.Image, took, took)
	return nil
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
