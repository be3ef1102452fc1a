package kubelet

import (
	"fmt"
	"hash/fnv"
	"path"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// containerConfig is the CRI description of one container instance.
func (k *Kubelet) containerConfig(pod *corev1.Pod, c *corev1.Container, attempt uint32, podIP string) *runtimeapi.ContainerConfig {
	return &runtimeapi.ContainerConfig{
		Metadata:   &runtimeapi.ContainerMetadata{Name: c.Name, Attempt: attempt},
		Image:      &runtimeapi.ImageSpec{Image: c.Image},
		Command:    c.Command,
		Args:       c.Args,
		WorkingDir: c.WorkingDir,
		Envs:       k.containerEnv(pod, c, podIP),
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
			Resources:       linuxResources(c),
			SecurityContext: containerSecurity(pod, c),
		},
	}
}

// containerHash changes when the mutable part of a container spec (its
// image) changes: the running container is then replaced.
func containerHash(c *corev1.Container) string {
	h := fnv.New32a()
	h.Write([]byte(c.Image))
	return strconv.FormatUint(uint64(h.Sum32()), 16)
}

// containerEnv resolves literal values and the downward-API fields known
// without other objects. ConfigMap/Secret references are not resolved yet.
func (k *Kubelet) containerEnv(pod *corev1.Pod, c *corev1.Container, podIP string) []*runtimeapi.KeyValue {
	var out []*runtimeapi.KeyValue
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			v = k.fieldValue(pod, e.ValueFrom.FieldRef.FieldPath, podIP)
		}
		out = append(out, &runtimeapi.KeyValue{Key: e.Name, Value: v})
	}
	return out
}

func (k *Kubelet) fieldValue(pod *corev1.Pod, field, podIP string) string {
	switch field {
	case "metadata.name":
		return pod.Name
	case "metadata.namespace":
		return pod.Namespace
	case "metadata.uid":
		return string(pod.UID)
	case "spec.nodeName":
		return pod.Spec.NodeName
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName
	case "status.podIP":
		return podIP
	case "status.hostIP":
		if ips := k.hostIPs(); len(ips) > 0 {
			return ips[0]
		}
	}
	return ""
}

func linuxResources(c *corev1.Container) *runtimeapi.LinuxContainerResources {
	r := &runtimeapi.LinuxContainerResources{CpuShares: 2, CpuPeriod: 100000}
	if cpu, ok := c.Resources.Requests[corev1.ResourceCPU]; ok {
		r.CpuShares = max(2, cpu.MilliValue()*1024/1000)
	}
	if cpu, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		r.CpuQuota = cpu.MilliValue() * r.CpuPeriod / 1000
	}
	if mem, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		r.MemoryLimitInBytes = mem.Value()
	}
	return r
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
