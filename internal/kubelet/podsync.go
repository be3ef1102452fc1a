package kubelet

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// podSync is one sync of a running pod: what to start or restart.
type podSync struct {
	k       *Kubelet
	ctx     context.Context
	pod     *corev1.Pod
	rt      *podRuntime
	sandbox *runtimeapi.PodSandboxConfig
	sbID    string
	sbIP    string

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

// ensureSandbox reuses the newest ready sandbox or creates a new one.
func (s *podSync) ensureSandbox() error {
	sb := s.rt.sandbox()
	attempt := uint32(0)
	if sb != nil {
		attempt = sb.Attempt
	}
	if sb != nil && sb.Ready {
		s.sandbox, s.sbID = s.k.sandboxConfig(s.pod, attempt), sb.ID
		if len(sb.IPs) > 0 {
			s.sbIP = sb.IPs[0]
		}
		return nil
	}
	if sb != nil {
		attempt++ // the sandbox died: a new one, as Kubernetes does
	}
	s.sandbox = s.k.sandboxConfig(s.pod, attempt)
	resp, err := s.k.rt.RunPodSandbox(s.ctx, &runtimeapi.RunPodSandboxRequest{Config: s.sandbox})
	if err != nil {
		return fmt.Errorf("run sandbox: %w", err)
	}
	s.sbID, s.changed = resp.PodSandboxId, true
	st, err := s.k.rt.PodSandboxStatus(s.ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: s.sbID})
	if err != nil {
		return fmt.Errorf("status of new sandbox: %w", err)
	}
	s.sbIP = st.Status.GetNetwork().GetIp()
	return nil
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
		return s.kill(l, gracePeriod(s.pod)) && s.start(c, l.Attempt+1)
	case l.running() && !s.k.cfg.Prober.Alive(s.pod.UID, l.ID):
		s.kill(l, gracePeriod(s.pod)) // restarted by the next sync, with back-off
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
	if w := s.k.ensureImage(s.ctx, s.pod, c, s.sandbox); w != nil {
		s.waiting[c.Name] = w
		s.after(s.k.cfg.BackOffInitial)
		return false
	}
	cfg := s.k.containerConfig(s.pod, c, attempt, s.sbIP)
	resp, err := s.k.rt.CreateContainer(s.ctx, &runtimeapi.CreateContainerRequest{
		PodSandboxId: s.sbID, Config: cfg, SandboxConfig: s.sandbox,
	})
	if err != nil {
		s.waiting[c.Name] = &corev1.ContainerStateWaiting{Reason: "CreateContainerError", Message: err.Error()}
		s.after(s.k.cfg.BackOffInitial)
		return false
	}
	s.changed = true
	return s.startCreated(c, resp.ContainerId)
}

func (s *podSync) startCreated(c *corev1.Container, id string) bool {
	if _, err := s.k.rt.StartContainer(s.ctx, &runtimeapi.StartContainerRequest{ContainerId: id}); err != nil {
		s.waiting[c.Name] = &corev1.ContainerStateWaiting{Reason: "RunContainerError", Message: err.Error()}
		s.after(s.k.cfg.BackOffInitial)
		return false
	}
	s.changed = true
	return true
}

func (s *podSync) kill(l *containerInfo, grace int64) bool {
	s.changed = true
	if err := s.k.stopContainer(s.ctx, l.ID, grace); err != nil {
		s.k.log.Warn("stop container", "pod", podKey(s.pod), "container", l.Name, "err", err)
		s.after(retryDelay)
		return false
	}
	return true
}
