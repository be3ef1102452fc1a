package kubelet

// CRI labels and annotations the kubelet puts on sandboxes and containers.
// They are the kubelet's only memory across restarts: a new kubelet finds
// its pods' containers by them (the keys are Kubernetes', so crictl users
// see what they know).
const (
	labelPodName       = "io.kubernetes.pod.name"
	labelPodNamespace  = "io.kubernetes.pod.namespace"
	labelPodUID        = "io.kubernetes.pod.uid"
	labelContainerName = "io.kubernetes.container.name"

	annotationRestartCount = "io.kubernetes.container.restartCount"
	annotationHash         = "io.kubernetes.container.hash"
	annotationTermMsgPath  = "io.kubernetes.container.terminationMessagePath"
	annotationGracePeriod  = "io.kubernetes.pod.terminationGracePeriod"
)
