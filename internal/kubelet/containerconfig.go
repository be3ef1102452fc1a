package kubelet

import (
	"fmt"
	"hash/fnv"
	"path"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/fieldpath"
	"rudder/internal/kubelet/volume"
)

// containerConfig is the CRI description of one container instance. Its
// error (a missing ConfigMap or Secret, a bad subPath) is reported as the
// container's CreateContainerConfigError.
func (s *podSync) containerConfig(c *corev1.Container, attempt uint32) (*runtimeapi.ContainerConfig, error) {
	k, pod := s.k, s.pod
	env, err := containerEnv(envInput{
		Pod: pod, Container: c, Objects: k.objects, Services: serviceLinkServices(pod, k.objects.Services),
		Status: s.fieldStatus(), Allocatable: k.cfg.Allocatable,
	})
	if err != nil {
		return nil, err
	}
	mounts, err := volume.ContainerMounts(c, s.vols, func(v string) string { return expandAll([]string{v}, env)[0] })
	if err != nil {
		return nil, err
	}
	mounts = append(mounts, s.podMounts(mounts)...)
	cfg := &runtimeapi.ContainerConfig{
		Metadata:   &runtimeapi.ContainerMetadata{Name: c.Name, Attempt: attempt},
		Image:      &runtimeapi.ImageSpec{Image: c.Image},
		Command:    expandAll(c.Command, env),
		Args:       expandAll(c.Args, env),
		WorkingDir: c.WorkingDir,
		Envs:       criEnv(env),
		Mounts:     mounts,
		Labels: map[string]string{
			labelPodName: pod.Name, labelPodNamespace: pod.Namespace, labelPodUID: string(pod.UID),
			labelContainerName: c.Name,
		},
		Annotations: map[string]string{
			annotationRestartCount: strconv.FormatUint(uint64(attempt), 10),
			annotationHash:         containerHash(c),
			annotationTermMsgPath:  c.TerminationMessagePath,
		},
		LogPath: path.Join(c.Name, fmt.Sprintf("%d.log", attempt)),
		Stdin:   c.Stdin, StdinOnce: c.StdinOnce, Tty: c.TTY,
		Linux: &runtimeapi.LinuxContainerConfig{
			Resources:       linuxResources(c, podQOSClass(&pod.Spec), k.cfg.Capacity),
			SecurityContext: containerSecurity(pod, c),
		},
	}
	return cfg, nil
}

// podMounts are the pod's /etc/hosts and /etc/resolv.conf, unless the
// container mounts something there itself.
func (s *podSync) podMounts(own []*runtimeapi.Mount) []*runtimeapi.Mount {
	taken := map[string]bool{}
	for _, m := range own {
		taken[m.ContainerPath] = true
	}
	var out []*runtimeapi.Mount
	for _, m := range s.podFiles {
		if !taken[m.ContainerPath] {
			out = append(out, m)
		}
	}
	return out
}

// fieldStatus is what the downward API reports as the pod's and host's IPs.
func (s *podSync) fieldStatus() fieldpath.Status {
	st := fieldpath.Status{HostIPs: s.k.hostIPs(), PodIPs: s.sbIPs}
	if s.pod.Spec.HostNetwork {
		st.PodIPs = st.HostIPs
	}
	return st
}

func criEnv(env []envVar) []*runtimeapi.KeyValue {
	out := make([]*runtimeapi.KeyValue, 0, len(env))
	for _, e := range env {
		out = append(out, &runtimeapi.KeyValue{Key: e.Name, Value: e.Value})
	}
	return out
}

// containerHash changes when the mutable part of a container spec (its
// image) changes: the running container is then replaced.
func containerHash(c *corev1.Container) string {
	h := fnv.New32a()
	h.Write([]byte(c.Image))
	return strconv.FormatUint(uint64(h.Sum32()), 16)
}

func containerSecurity(pod *corev1.Pod, c *corev1.Container) *runtimeapi.LinuxContainerSecurityContext {
	sc := &runtimeapi.LinuxContainerSecurityContext{NamespaceOptions: podNamespaces(pod)}
	if s := c.SecurityContext; s != nil {
		sc.Privileged = s.Privileged != nil && *s.Privileged
		sc.ReadonlyRootfs = s.ReadOnlyRootFilesystem != nil && *s.ReadOnlyRootFilesystem
		if s.RunAsUser != nil {
			sc.RunAsUser = &runtimeapi.Int64Value{Value: *s.RunAsUser}
		}
	}
	return sc
}
