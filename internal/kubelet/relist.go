package kubelet

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// relistLoop polls the runtime (like Kubernetes' PLEG): a container or
// sandbox whose state changed wakes its pod's worker, and runtime objects
// of pods this kubelet has no worker for (orphans, e.g. of pods deleted
// while it was down) get a worker, which removes them.
func (k *Kubelet) relistLoop(ctx context.Context) {
	seen := map[string]runtimeObject{}
	for {
		next, err := k.relist(ctx, seen)
		if err != nil {
			k.log.Warn("relist runtime", "err", err)
		} else {
			seen = next
		}
		if !k.sleep(ctx, k.cfg.RelistPeriod) {
			return
		}
	}
}

type runtimeObject struct {
	state int32
	ref   podRef
}

func (k *Kubelet) relist(ctx context.Context, seen map[string]runtimeObject) (map[string]runtimeObject, error) {
	sbs, err := k.rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return nil, err
	}
	cs, err := k.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		return nil, err
	}
	now := make(map[string]runtimeObject, len(sbs.Items)+len(cs.Containers))
	for _, sb := range sbs.Items {
		now[sb.Id] = runtimeObject{state: int32(sb.State), ref: refFromLabels(sb.Labels)}
	}
	for _, c := range cs.Containers {
		now[c.Id] = runtimeObject{state: int32(c.State), ref: refFromLabels(c.Labels)}
	}
	changed := map[types.UID]podRef{}
	for id, o := range now {
		if prev, ok := seen[id]; !ok || prev.state != o.state {
			changed[o.ref.UID] = o.ref
		}
	}
	for id, o := range seen {
		if _, ok := now[id]; !ok {
			changed[o.ref.UID] = o.ref
		}
	}
	for uid, ref := range changed {
		if uid != "" {
			k.workers.wakeRef(ref) // starts a worker for an orphan
		}
	}
	return now, nil
}

func refFromLabels(l map[string]string) podRef {
	return podRef{UID: types.UID(l[labelPodUID]), Namespace: l[labelPodNamespace], Name: l[labelPodName]}
}
