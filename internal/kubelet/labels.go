package kubelet

import "rudder/internal/kubelet/runtime"

// CRI labels (runtime.Label*) and annotations the kubelet puts on
// sandboxes and containers. They are the kubelet's only memory across
// restarts: a new kubelet finds its pods' containers by them (the keys are
// Kubernetes', so crictl users see what they know).
const (
	labelPodName       = runtime.LabelPodName
	labelPodNamespace  = runtime.LabelPodNamespace
	labelPodUID        = runtime.LabelPodUID
	labelContainerName = runtime.LabelContainerName

	annotationRestartCount = "io.kubernetes.container.restartCount"
	annotationHash         = "io.kubernetes.container.hash"
	annotationTermMsgPath  = "io.kubernetes.container.terminationMessagePath"
	annotationGracePeriod  = "io.kubernetes.pod.terminationGracePeriod"
)
