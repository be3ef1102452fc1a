package framework

import (
	v1 "k8s.io/api/core/v1"
)

// Default requests used only for scoring pods that request nothing, so that
// "best effort" pods still spread (the same defaults as Kubernetes).
const (
	DefaultMilliCPURequest int64 = 100               // 0.1 core
	DefaultMemoryRequest   int64 = 200 * 1024 * 1024 // 200 MiB
)

// Resource is a set of quantities in the units the scheduler compares:
// millicores, bytes and counts.
type Resource struct {
	MilliCPU         int64
	Memory           int64
	EphemeralStorage int64
	AllowedPodNumber int64
	// Scalar holds extended resources (example.com/gpu, hugepages-2Mi, ...).
	Scalar map[v1.ResourceName]int64
}

// NewResource converts a ResourceList.
func NewResource(rl v1.ResourceList) *Resource {
	r := &Resource{}
	r.Add(rl)
	return r
}

// Add adds every quantity of rl.
func (r *Resource) Add(rl v1.ResourceList) {
	for name, q := range rl {
		switch name {
		case v1.ResourceCPU:
			r.MilliCPU += q.MilliValue()
		case v1.ResourceMemory:
			r.Memory += q.Value()
		case v1.ResourceEphemeralStorage:
			r.EphemeralStorage += q.Value()
		case v1.ResourcePods:
			r.AllowedPodNumber += q.Value()
		default:
			r.AddScalar(name, q.Value())
		}
	}
}

// AddScalar adds an extended resource quantity.
func (r *Resource) AddScalar(name v1.ResourceName, v int64) {
	if r.Scalar == nil {
		r.Scalar = map[v1.ResourceName]int64{}
	}
	r.Scalar[name] += v
}

// AddResource adds another Resource.
func (r *Resource) AddResource(o *Resource) {
	r.MilliCPU += o.MilliCPU
	r.Memory += o.Memory
	r.EphemeralStorage += o.EphemeralStorage
	r.AllowedPodNumber += o.AllowedPodNumber
	for k, v := range o.Scalar {
		r.AddScalar(k, v)
	}
}

// SubResource subtracts another Resource.
func (r *Resource) SubResource(o *Resource) {
	r.MilliCPU -= o.MilliCPU
	r.Memory -= o.Memory
	r.EphemeralStorage -= o.EphemeralStorage
	r.AllowedPodNumber -= o.AllowedPodNumber
	for k, v := range o.Scalar {
		r.AddScalar(k, -v)
	}
}

// SetMax raises each quantity to at least the one in o.
func (r *Resource) SetMax(o *Resource) {
	r.MilliCPU = max(r.MilliCPU, o.MilliCPU)
	r.Memory = max(r.Memory, o.Memory)
	r.EphemeralStorage = max(r.EphemeralStorage, o.EphemeralStorage)
	for k, v := range o.Scalar {
		if v > r.Scalar[k] {
			if r.Scalar == nil {
				r.Scalar = map[v1.ResourceName]int64{}
			}
			r.Scalar[k] = v
		}
	}
}

// Clone deep-copies the resource.
func (r *Resource) Clone() *Resource {
	c := *r
	c.Scalar = nil
	for k, v := range r.Scalar {
		c.AddScalar(k, v)
	}
	return &c
}

// PodRequests computes what a pod needs on a node, following the documented
// rule: the larger of the sum of app containers and any single init
// container, where sidecar (restartable) init containers keep running and so
// add to everything started after them, plus the pod overhead.
func PodRequests(pod *v1.Pod) *Resource {
	apps := &Resource{}
	for i := range pod.Spec.Containers {
		apps.Add(pod.Spec.Containers[i].Resources.Requests)
	}
	sidecars := &Resource{}
	initPeak := &Resource{}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			sidecars.Add(c.Resources.Requests)
			initPeak.SetMax(sidecars)
			continue
		}
		step := sidecars.Clone()
		step.Add(c.Resources.Requests)
		initPeak.SetMax(step)
	}
	apps.AddResource(sidecars)
	apps.SetMax(initPeak)
	if pod.Spec.Overhead != nil {
		apps.Add(pod.Spec.Overhead)
	}
	apps.AllowedPodNumber = 0
	return apps
}

// NonZeroRequests is PodRequests for cpu and memory with the scoring
// defaults substituted for containers that request nothing.
func NonZeroRequests(pod *v1.Pod) (milliCPU, memory int64) {
	var appCPU, appMem int64
	for i := range pod.Spec.Containers {
		c, m := nonZero(pod.Spec.Containers[i].Resources.Requests)
		appCPU += c
		appMem += m
	}
	var sideCPU, sideMem, peakCPU, peakMem int64
	for i := range pod.Spec.InitContainers {
		ic := &pod.Spec.InitContainers[i]
		c, m := nonZero(ic.Resources.Requests)
		if ic.RestartPolicy != nil && *ic.RestartPolicy == v1.ContainerRestartPolicyAlways {
			sideCPU += c
			sideMem += m
			c, m = sideCPU, sideMem
		} else {
			c, m = c+sideCPU, m+sideMem
		}
		peakCPU, peakMem = max(peakCPU, c), max(peakMem, m)
	}
	milliCPU = max(appCPU+sideCPU, peakCPU)
	memory = max(appMem+sideMem, peakMem)
	if pod.Spec.Overhead != nil {
		milliCPU += pod.Spec.Overhead.Cpu().MilliValue()
		memory += pod.Spec.Overhead.Memory().Value()
	}
	return milliCPU, memory
}

func nonZero(rl v1.ResourceList) (int64, int64) {
	cpu, mem := DefaultMilliCPURequest, DefaultMemoryRequest
	if q, ok := rl[v1.ResourceCPU]; ok {
		cpu = q.MilliValue()
	}
	if q, ok := rl[v1.ResourceMemory]; ok {
		mem = q.Value()
	}
	return cpu, mem
}
