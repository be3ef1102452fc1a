package kubelet

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/volume"
)

// podSync is one sync of a running pod: what to start or restart.
type podSync struct {
	k   *Kubelet
	ctx context.Context
	pod *corev1.Pod
	rt  *podRuntime
	// sandbox is the config of the sandbox of attempt sbAttempt, built
	// when first needed (see sandboxConfig).
	sandbox   *runtimeapi.PodSandboxConfig
	sbAttempt uint32
	sbID      string
	sbIPs     []string

	vols     map[string]volume.Volume // set-up volumes by name
	podFiles []*runtimeapi.Mount      // the pod's /etc/hosts and /etc/resolv.conf

	waiting map[string]*corev1.ContainerStateWaiting
	changed bool          // the runtime changed: re-inspect before status
	requeue time.Duration // sync again after this (0: periodic resync)
}

func (s *podSync) after(d time.Duration) {
	if d <= 0 {
		d = time.Millisecond
	}
	if s.requeue == 0 || d < s.requeue {
		s.requeue = d
	}
}

// prepare makes what containers need: volumes (before the sandbox, as in
// Kubernetes), the pod cgroup, the sandbox, the pod's hosts and resolver
// files. False when containers cannot be synced now.
func (s *podSync) prepare() bool {
	if sb := s.rt.sandbox(); sb != nil && sb.Ready {
		s.sbIPs = sb.IPs
	}
	vols, err := s.k.volumes.SetUp(s.pod, s.fieldStatus())
	if err != nil {
		s.k.event(s.pod, "", corev1.EventTypeWarning, reasonFailedMount, "%v", err)
		s.after(retryDelay)
		return false
	}
	s.vols = vols
	if err := s.k.ensurePodCgroup(s.pod); err != nil {
		// Not fatal: the runtime creates a missing cgroup parent itself,
		// only the pod-level limits are then missing.
		s.k.log.Warn("pod cgroup", "pod", podKey(s.pod), "err", err)
	}
	if err := s.ensureSandbox(); err != nil {
		s.k.log.Warn("create sandbox", "pod", podKey(s.pod), "err", err)
		s.k.event(s.pod, "", corev1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: %v", err)
		s.after(retryDelay)
		return false
	}
	files, err := s.k.writePodFiles(s.pod, s.fieldStatus().PodIPs)
	if err != nil {
		s.k.log.Warn("pod hosts/resolv.conf", "pod", podKey(s.pod), "err", err)
		s.after(retryDelay)
		return false
	}
	s.podFiles = files
	return true
}

// ensureSandbox reuses the newest ready sandbox or creates a new one.
func (s *podSync) ensureSandbox() error {
	sb := s.rt.sandbox()
	attempt := uint32(0)
	if sb != nil {
		attempt = sb.Attempt
	}
	if sb != nil && sb.Ready {
		s.sbAttempt, s.sbID, s.sbIPs = attempt, sb.ID, sb.IPs
		return nil
	}
	if sb != nil {
		attempt++ // the sandbox died: a new one, as Kubernetes does
	}
	s.sbAttempt = attempt
	resp, err := s.k.rt.RunPodSandbox(s.ctx, &runtimeapi.RunPodSandboxRequest{Config: s.sandboxConfig()})
	if err != nil {
		return fmt.Errorf("run sandbox: %w", err)
	}
	s.sbID, s.changed = resp.PodSandboxId, true
	st, err := s.k.rt.PodSandboxStatus(s.ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: s.sbID})
	if err != nil {
		return fmt.Errorf("status of new sandbox: %w", err)
	}
	s.sbIPs = nil
	if n := st.Status.GetNetwork(); n.GetIp() != "" {
		s.sbIPs = append(s.sbIPs, n.Ip)
		for _, ip := range n.AdditionalIps {
			s.sbIPs = append(s.sbIPs, ip.Ip)
		}
	}
	return nil
}

// sandboxConfig is the config of the pod's sandbox, built on first use:
// most syncs of a running pod create nothing and need none, and building
// it (labels, annotations, DNS) was a visible share of every sync.
func (s *podSync) sandboxConfig() *runtimeapi.PodSandboxConfig {
	if s.sandbox == nil {
		s.sandbox = s.k.sandboxConfig(s.pod, s.sbAttempt)
	}
	return s.sandbox
}

// syncContainers runs init containers in order, then the app containers.
func (s *podSync) syncContainers() {
	if !s.syncInitContainers() {
		return
	}
	for i := range s.pod.Spec.Containers {
		s.ensureContainer(&s.pod.Spec.Containers[i], s.appMayRestart)
	}
}

func (s *podSync) appMayRestart(exitCode int32) bool {
	switch s.pod.Spec.RestartPolicy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return exitCode != 0
	default:
		return true
	}
}

func always(int32) bool { return true }

// syncInitContainers returns true once the app containers may run.
func (s *podSync) syncInitContainers() bool {
	appStarted := false
	for i := range s.pod.Spec.Containers {
		appStarted = appStarted || s.rt.latest(s.pod.Spec.Containers[i].Name) != nil
	}
	for i := range s.pod.Spec.InitContainers {
		c := &s.pod.Spec.InitContainers[i]
		if isSidecar(c) {
			if running := s.ensureContainer(c, always); !running && !appStarted {
				return false
			}
			continue
		}
		if appStarted {
			continue // init never runs again once app containers exist
		}
		l := s.rt.latest(c.Name)
		switch {
		case l != nil && l.exited() && l.ExitCode == 0:
			continue
		case l != nil && l.exited() && s.pod.Spec.RestartPolicy == corev1.RestartPolicyNever:
			return false // the pod failed
		default:
			s.ensureContainer(c, always)
			return false
		}
	}
	return true
}

// ensureContainer makes one container run if it should, and reports
// whether it is running.
func (s *podSync) ensureContainer(c *corev1.Container, mayRestart func(int32) bool) bool {
	l := s.rt.latest(c.Name)
	switch {
	case l == nil:
		return s.start(c, 0)
	case l.running() && l.Hash != "" && l.Hash != containerHash(c):
		s.k.log.Info("container spec changed, restarting", "pod", podKey(s.pod), "container", c.Name)
		s.k.event(s.pod, c.Name, corev1.EventTypeNormal, reasonKilling, "Container %s definition changed, will be restarted", c.Name)
		return s.kill(c, l, gracePeriod(s.pod)) && s.start(c, l.Attempt+1)
	case l.running() && !s.k.cfg.Prober.Alive(s.pod.UID, l.ID):
		s.k.event(s.pod, c.Name, corev1.EventTypeNormal, reasonKilling, "Container %s failed %s probe, will be restarted", c.Name, s.k.cfg.Prober.Failed(s.pod.UID, l.ID))
		s.kill(c, l, gracePeriod(s.pod)) // restarted by the next sync, with back-off
		s.after(time.Millisecond)
		return false
	case l.running():
		return true
	case l.State == runtimeapi.ContainerState_CONTAINER_CREATED && l.SandboxID == s.sbID:
		return s.startCreated(c, l.ID)
	case !mayRestart(l.ExitCode):
		return false
	default:
		return s.restart(c, l)
	}
}

// restart starts a new instance of an exited container unless it is in
// crash-loop back-off.
func (s *podSync) restart(c *corev1.Container, l *containerInfo) bool {
	key := backOffKey(s.pod, c.Name)
	now := s.k.cfg.Clock.Now()
	if in, delay := s.k.backOff.inBackOff(key, l.finished(), now); in {
		s.waiting[c.Name] = &corev1.ContainerStateWaiting{
			Reason: "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)",
				delay, c.Name, s.pod.Name, s.pod.Namespace, s.pod.UID),
		}
		s.k.event(s.pod, c.Name, corev1.EventTypeWarning, reasonBackOff, "Back-off restarting failed container %s in pod %s_%s(%s)",
			c.Name, s.pod.Name, s.pod.Namespace, s.pod.UID)
		s.after(l.finished().Add(delay).Sub(now))
		return false
	}
	ran := time.Duration(l.FinishedAt - l.StartedAt)
	s.k.backOff.next(key, l.finished(), ran)
	return s.start(c, l.Attempt+1)
}

func backOffKey(pod *corev1.Pod, container string) string {
	return string(pod.UID) + "/" + container
}

// start pulls the image, creates and starts a container.
func (s *podSync) start(c *corev1.Container, attempt uint32) bool {
	if s.k.status.terminal(s.pod.UID) {
		return false // evicted meanwhile: its containers never start again
	}
	if w, retry := s.k.ensureImage(s.ctx, s.pod, c, s.sandboxConfig()); w != nil {
		s.waiting[c.Name] = w
		s.after(retry)
		return false
	}
	cfg, err := s.containerConfig(c, attempt)
	if err != nil {
		return s.failStart(c, "CreateContainerConfigError", err)
	}
	resp, err := s.k.rt.CreateContainer(s.ctx, &runtimeapi.CreateContainerRequest{
		PodSandboxId: s.sbID, Config: cfg, SandboxConfig: s.sandboxConfig(),
	})
	if err != nil {
		return s.failStart(c, "CreateContainerError", err)
	}
	s.changed = true
	s.k.event(s.pod, c.Name, corev1.EventTypeNormal, reasonCreated, "Created container %s", c.Name)
	return s.startCreated(c, resp.ContainerId)
}

// failStart reports a container that could not be started, and retries.
func (s *podSync) failStart(c *corev1.Container, reason string, err error) bool {
	s.waiting[c.Name] = &corev1.ContainerStateWaiting{Reason: reason, Message: err.Error()}
	s.k.event(s.pod, c.Name, corev1.EventTypeWarning, reasonFailed, "Error: %v", err)
	s.after(s.k.cfg.BackOffInitial)
	return false
}

func (s *podSync) startCreated(c *corev1.Container, id string) bool {
	if _, err := s.k.rt.StartContainer(s.ctx, &runtimeapi.StartContainerRequest{ContainerId: id}); err != nil {
		return s.failStart(c, "RunContainerError", err)
	}
	s.changed = true
	s.k.event(s.pod, c.Name, corev1.EventTypeNormal, reasonStarted, "Started container %s", c.Name)
	return s.k.runPostStart(s.ctx, s.pod, c, id, s.fieldStatus(), s.waiting)
}

// kill stops a container, running its preStop hook first.
func (s *podSync) kill(c *corev1.Container, l *containerInfo, grace int64) bool {
	s.changed = true
	if err := s.k.killContainer(s.ctx, s.pod, c, l.ID, grace, s.fieldStatus()); err != nil {
		s.k.log.Warn("stop container", "pod", podKey(s.pod), "container", l.Name, "err", err)
		s.after(retryDelay)
		return false
	}
	return true
}
