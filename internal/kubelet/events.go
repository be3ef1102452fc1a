package kubelet

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
)

// Event reasons, as Kubernetes' kubelet uses them.
const (
	reasonPulling     = "Pulling"
	reasonPulled      = "Pulled"
	reasonFailed      = "Failed"
	reasonCreated     = "Created"
	reasonStarted     = "Started"
	reasonKilling     = "Killing"
	reasonBackOff     = "BackOff"
	reasonFailedMount = "FailedMount"
	reasonPostStart   = "FailedPostStartHook"
	reasonPreStop     = "FailedPreStopHook"
	reasonUnhealthy   = "Unhealthy"
)

// newRecorder returns core/v1 events from component "kubelet" on host
// nodeName (which the API shows as reportingController/Instance).
func newRecorder(cfg *Config) (record.EventRecorder, record.EventBroadcaster) {
	b := record.NewBroadcaster()
	r := b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: cfg.NodeName})
	return r, b
}

func startRecording(b record.EventBroadcaster, cfg *Config) {
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: cfg.Client.CoreV1().Events("")})
}

// containerRef is the object reference of a container in a pod, as
// Kubernetes' events name it (fieldPath spec.containers{name}).
func containerRef(pod *corev1.Pod, name string) *corev1.ObjectReference {
	ref := &corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace, Name: pod.Name,
		UID: pod.UID, ResourceVersion: pod.ResourceVersion}
	if name == "" {
		return ref
	}
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			ref.FieldPath = fmt.Sprintf("spec.initContainers{%s}", name)
			return ref
		}
	}
	ref.FieldPath = fmt.Sprintf("spec.containers{%s}", name)
	return ref
}

// event records an event about a pod (container "") or one of its
// containers.
func (k *Kubelet) event(pod *corev1.Pod, container, eventType, reason, format string, args ...any) {
	k.recorder.Eventf(containerRef(pod, container), eventType, reason, format, args...)
}
