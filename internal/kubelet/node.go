package kubelet

import (
	"context"
	"fmt"
	goruntime "runtime"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/runtime"
)

// KubeletVersion is reported in node status.
const KubeletVersion = "v1.32.0+rudder"

// registerNode creates or updates the kubelet's Node until it succeeds.
func (k *Kubelet) registerNode(ctx context.Context) error {
	for {
		err := k.tryRegister(ctx)
		if err == nil {
			return nil
		}
		k.log.Warn("register node", "err", err)
		if !k.sleep(ctx, 2*time.Second) {
			return fmt.Errorf("registering node %s: %w", k.cfg.NodeName, ctx.Err())
		}
	}
}

func (k *Kubelet) tryRegister(ctx context.Context) error {
	nodes := k.cfg.Client.CoreV1().Nodes()
	node, err := nodes.Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		node, err = nodes.Create(ctx, k.initialNode(), metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create node: %w", err)
		}
	case err != nil:
		return fmt.Errorf("get node: %w", err)
	default:
		if node, err = k.reconcileNode(ctx, node); err != nil {
			return err
		}
	}
	k.applyPodCIDR(ctx, node)
	return k.updateNodeStatus(ctx, node, true)
}

func (k *Kubelet) nodeLabels() map[string]string {
	arch := k.arch()
	labels := map[string]string{
		corev1.LabelHostname: k.cfg.NodeName, corev1.LabelOSStable: "linux", corev1.LabelArchStable: arch,
		"beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": arch,
	}
	for key, v := range k.cfg.Labels {
		labels[key] = v
	}
	return labels
}

func (k *Kubelet) arch() string {
	if k.cfg.NodeInfo.Architecture != "" {
		return k.cfg.NodeInfo.Architecture
	}
	return goruntime.GOARCH
}

func (k *Kubelet) initialNode() *corev1.Node {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName, Labels: k.nodeLabels()},
		Spec:       corev1.NodeSpec{Taints: k.cfg.Taints},
	}
	if k.cfg.PodCIDR != "" {
		node.Spec.PodCIDRs = strings.Split(k.cfg.PodCIDR, ",")
		node.Spec.PodCIDR = node.Spec.PodCIDRs[0]
	}
	return node
}

// reconcileNode brings an existing Node's labels (and an unset pod CIDR)
// in line with the configuration, as a restarted kubelet does.
func (k *Kubelet) reconcileNode(ctx context.Context, node *corev1.Node) (*corev1.Node, error) {
	updated := node.DeepCopy()
	if updated.Labels == nil {
		updated.Labels = map[string]string{}
	}
	for key, v := range k.nodeLabels() {
		updated.Labels[key] = v
	}
	if updated.Spec.PodCIDR == "" && k.cfg.PodCIDR != "" {
		updated.Spec.PodCIDRs = strings.Split(k.cfg.PodCIDR, ",")
		updated.Spec.PodCIDR = updated.Spec.PodCIDRs[0]
	}
	if apiequality.Semantic.DeepEqual(node, updated) {
		return node, nil
	}
	out, err := k.cfg.Client.CoreV1().Nodes().Update(ctx, updated, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("update node: %w", err)
	}
	return out, nil
}

// applyPodCIDR tells the runtime the node's pod CIDR once it is known.
func (k *Kubelet) applyPodCIDR(ctx context.Context, node *corev1.Node) {
	k.nodeUID.Store(node.UID)
	cidrs := strings.Join(node.Spec.PodCIDRs, ",")
	if cidrs == "" {
		cidrs = node.Spec.PodCIDR
	}
	k.nodeMu.Lock()
	defer k.nodeMu.Unlock()
	if cidrs == "" || cidrs == k.nodeCIDR {
		return
	}
	if u, ok := k.rt.(runtime.ConfigUpdater); ok {
		_, err := u.UpdateRuntimeConfig(ctx, &runtimeapi.UpdateRuntimeConfigRequest{RuntimeConfig: &runtimeapi.RuntimeConfig{
			NetworkConfig: &runtimeapi.NetworkConfig{PodCidr: cidrs},
		}})
		if err != nil {
			k.log.Warn("update runtime pod CIDR", "cidr", cidrs, "err", err)
			return
		}
	}
	k.nodeCIDR = cidrs
}

// nodeStatusLoop recomputes node status every StatusUpdateFrequency.
func (k *Kubelet) nodeStatusLoop(ctx context.Context) {
	for k.sleep(ctx, k.cfg.StatusUpdateFrequency) {
		if k.paused.Load() {
			continue
		}
		node, err := k.cfg.Client.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
		if err != nil {
			if ctx.Err() == nil {
				k.log.Warn("get node", "err", err)
			}
			continue
		}
		k.applyPodCIDR(ctx, node)
		if err := k.updateNodeStatus(ctx, node, false); err != nil && ctx.Err() == nil {
			k.log.Warn("update node status", "err", err)
		}
	}
}

// updateNodeStatus writes node status when it changed (heartbeat times
// aside) or when StatusReportFrequency passed; force always writes.
func (k *Kubelet) updateNodeStatus(ctx context.Context, node *corev1.Node, force bool) error {
	updated := node.DeepCopy()
	now := k.cfg.Clock.Now()
	k.setNodeStatus(ctx, &updated.Status, now)
	k.nodeMu.Lock()
	due := now.Sub(k.lastNodeReport) >= k.cfg.StatusReportFrequency
	k.nodeMu.Unlock()
	if !force && !due && sameIgnoringHeartbeat(node.Status, updated.Status) {
		return nil
	}
	if _, err := k.cfg.Client.CoreV1().Nodes().UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update node status: %w", err)
	}
	k.nodeMu.Lock()
	k.lastNodeReport = now
	k.nodeMu.Unlock()
	return nil
}

func sameIgnoringHeartbeat(a, b corev1.NodeStatus) bool {
	a, b = *a.DeepCopy(), *b.DeepCopy()
	for _, s := range []*corev1.NodeStatus{&a, &b} {
		for i := range s.Conditions {
			s.Conditions[i].LastHeartbeatTime = metav1.Time{}
		}
	}
	return apiequality.Semantic.DeepEqual(a, b)
}

func (k *Kubelet) setNodeStatus(ctx context.Context, st *corev1.NodeStatus, now time.Time) {
	st.Capacity = k.cfg.Capacity.DeepCopy()
	st.Allocatable = k.cfg.Allocatable.DeepCopy()
	st.Addresses = k.nodeAddresses()
	st.NodeInfo = k.nodeInfo(ctx)
	if k.cfg.Port != 0 {
		st.DaemonEndpoints.KubeletEndpoint.Port = k.cfg.Port
	}
	ready, msg := k.runtimeReady(ctx)
	st.Conditions = nodeConditions(st.Conditions, ready, msg, k.pressure(), metav1.NewTime(now).Rfc3339Copy())
}

func (k *Kubelet) nodeAddresses() []corev1.NodeAddress {
	out := append([]corev1.NodeAddress(nil), k.cfg.Addresses...)
	for _, a := range out {
		if a.Type == corev1.NodeHostName {
			return out
		}
	}
	return append(out, corev1.NodeAddress{Type: corev1.NodeHostName, Address: k.cfg.NodeName})
}

func (k *Kubelet) nodeInfo(ctx context.Context) corev1.NodeSystemInfo {
	info := k.cfg.NodeInfo
	info.OperatingSystem, info.Architecture = "linux", k.arch()
	if info.KubeletVersion == "" {
		info.KubeletVersion = KubeletVersion
	}
	if info.KubeProxyVersion == "" {
		info.KubeProxyVersion = KubeletVersion
	}
	if info.ContainerRuntimeVersion == "" {
		if v, err := k.rt.Version(ctx, &runtimeapi.VersionRequest{}); err == nil {
			info.ContainerRuntimeVersion = v.RuntimeName + "://" + v.RuntimeVersion
		}
	}
	return info
}

func (k *Kubelet) runtimeReady(ctx context.Context) (bool, string) {
	resp, err := k.rt.Status(ctx, &runtimeapi.StatusRequest{})
	if err != nil {
		return false, fmt.Sprintf("container runtime status check failed: %v", err)
	}
	ok, why := runtime.Ready(resp.Status)
	if !ok {
		return false, "container runtime not ready: " + why
	}
	return true, ""
}

// nodeConditions sets the kubelet's four conditions with a fresh heartbeat,
// keeping transition times of unchanged ones and others' conditions. The
// node lifecycle controller taints the node from the pressure conditions
// (node.kubernetes.io/memory-pressure:NoSchedule...), as in Kubernetes.
func nodeConditions(old []corev1.NodeCondition, ready bool, msg string, p nodePressure, now metav1.Time) []corev1.NodeCondition {
	readyCond := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status"}
	if !ready {
		readyCond.Status, readyCond.Reason, readyCond.Message = corev1.ConditionFalse, "KubeletNotReady", msg
	}
	want := []corev1.NodeCondition{
		pressureCondition(corev1.NodeMemoryPressure, p.memory,
			"KubeletHasSufficientMemory", "kubelet has sufficient memory available",
			"KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
		pressureCondition(corev1.NodeDiskPressure, p.disk,
			"KubeletHasNoDiskPressure", "kubelet has no disk pressure",
			"KubeletHasDiskPressure", "kubelet has disk pressure"),
		pressureCondition(corev1.NodePIDPressure, p.pid,
			"KubeletHasSufficientPID", "kubelet has sufficient PID available",
			"KubeletHasInsufficientPID", "kubelet has insufficient PID available"),
		readyCond,
	}
	owned := map[corev1.NodeConditionType]bool{}
	for i := range want {
		c := &want[i]
		owned[c.Type] = true
		c.LastHeartbeatTime, c.LastTransitionTime = now, now
		for _, o := range old {
			if o.Type == c.Type && o.Status == c.Status {
				c.LastTransitionTime = o.LastTransitionTime
			}
		}
	}
	for _, o := range old {
		if !owned[o.Type] {
			want = append(want, o)
		}
	}
	return want
}

func pressureCondition(t corev1.NodeConditionType, under bool, okReason, okMsg, badReason, badMsg string) corev1.NodeCondition {
	if under {
		return corev1.NodeCondition{Type: t, Status: corev1.ConditionTrue, Reason: badReason, Message: badMsg}
	}
	return corev1.NodeCondition{Type: t, Status: corev1.ConditionFalse, Reason: okReason, Message: okMsg}
}
