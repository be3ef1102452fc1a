package runtime

// CRI labels the kubelet puts on its sandboxes and containers (Kubernetes'
// well-known keys, so crictl users see what they know). They are shared
// here because more than the kubelet reads them: the node server finds a
// pod's containers by them, the container collector tells the kubelet's
// objects by them, and the simulated runtime indexes one pod's objects by
// the pod UID.
const (
	LabelPodName       = "io.kubernetes.pod.name"
	LabelPodNamespace  = "io.kubernetes.pod.namespace"
	LabelPodUID        = "io.kubernetes.pod.uid"
	LabelContainerName = "io.kubernetes.container.name"
)
