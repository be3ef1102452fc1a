package runtime

import (
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Ready reports whether a Status response says both the runtime and its
// network are ready, and if not, why (for the node's Ready condition).
func Ready(st *runtimeapi.RuntimeStatus) (bool, string) {
	if st == nil {
		return false, "container runtime status is missing"
	}
	found := map[string]*runtimeapi.RuntimeCondition{}
	for _, c := range st.Conditions {
		found[c.Type] = c
	}
	for _, t := range []string{runtimeapi.RuntimeReady, runtimeapi.NetworkReady} {
		c := found[t]
		if c == nil {
			return false, "container runtime does not report " + t
		}
		if !c.Status {
			return false, t + "=false reason:" + c.Reason + " message:" + c.Message
		}
	}
	return true, ""
}
