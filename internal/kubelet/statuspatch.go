package kubelet

import (
	"bytes"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// Status change detection and status patches. Every pod sync compares the
// status it computed with the last one, and every write diffs it against
// the API's: done reflectively (DeepEqual, and strategicpatch's diff of
// generic JSON maps) this was the largest share of the kubelet's CPU per
// pod. Both work on the typed status here instead.

// statusFingerprint is the protobuf encoding of a status. Equal
// fingerprints mean equal statuses as every API client sees them: the
// encoding holds every field, keeps times to the second as the API does
// in JSON and protobuf alike, and tells nil from empty lists no more than
// JSON does (both are omitted). Nil (never equal) if it cannot be encoded.
func statusFingerprint(st *corev1.PodStatus) []byte { return encodeFingerprint(nil, st) }

// encodeFingerprint is statusFingerprint in scratch's storage when it is
// large enough.
func encodeFingerprint(scratch []byte, st *corev1.PodStatus) []byte {
	n := st.Size()
	if cap(scratch) < n {
		scratch = make([]byte, n)
	}
	b := scratch[:n]
	if _, err := st.MarshalToSizedBuffer(b); err != nil {
		return nil
	}
	return b
}

// sameFingerprint says whether two fingerprints are of equal statuses.
func sameFingerprint(a, b []byte) bool { return a != nil && b != nil && bytes.Equal(a, b) }

// protoMessage is a pointer to an API type with its protobuf encoding.
type protoMessage[T any] interface {
	*T
	Marshal() ([]byte, error)
}

// sameItems says whether two lists encode alike, item by item: what the
// API shows of them is then equal (see statusFingerprint).
func sameItems[T any, P protoMessage[T]](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, errX := P(&a[i]).Marshal()
		y, errY := P(&b[i]).Marshal()
		if errX != nil || errY != nil || !bytes.Equal(x, y) {
			return false
		}
	}
	return true
}

// statusPatch is a strategic merge patch of pods/status from the pod's
// status to st, with the pod UID as precondition (the server refuses to
// change metadata.uid, so the patch fails on a new pod of the same name).
func statusPatch(pod *corev1.Pod, st *corev1.PodStatus) ([]byte, error) {
	diff, ok := diffPodStatus(&pod.Status, st)
	if !ok {
		return genericStatusPatch(pod, st)
	}
	patch := make(patchMap, 2)
	if pod.UID != "" {
		patch["metadata"] = patchMap{"uid": pod.UID}
	}
	if len(diff) > 0 {
		patch["status"] = diff
	}
	b, err := json.Marshal(patch)
	if err != nil {
		return nil, fmt.Errorf("encode status patch of %s: %w", podKey(pod), err)
	}
	return b, nil
}

// genericStatusPatch is statusPatch computed by strategicpatch from the
// JSON of both statuses: for the changes diffPodStatus leaves to it.
func genericStatusPatch(pod *corev1.Pod, st *corev1.PodStatus) ([]byte, error) {
	oldJSON, err := json.Marshal(corev1.Pod{Status: pod.Status})
	if err != nil {
		return nil, fmt.Errorf("encode pod status: %w", err)
	}
	newJSON, err := json.Marshal(corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: pod.UID}, Status: *st})
	if err != nil {
		return nil, fmt.Errorf("encode pod status: %w", err)
	}
	patch, err := strategicpatch.CreateTwoWayMergePatch(oldJSON, newJSON, corev1.Pod{})
	if err != nil {
		return nil, fmt.Errorf("pod status patch: %w", err)
	}
	return patch, nil
}

// patchMap is one object of a strategic merge patch: a changed field has
// its new value, a field that became empty has null (which removes it).
type patchMap map[string]any

// diffPodStatus is the status part of the two-way strategic merge patch
// from old to cur, built field by field as strategicpatch would build it
// from their JSON: scalars and atomic lists (container statuses) are
// replaced, lists with a merge key (conditions, IPs) are patched item by
// item, with the $setElementOrder directive. False when the change is one
// it leaves to the generic diff: resource claim statuses (not the
// kubelet's; merged with retainKeys), or merge lists whose keys are
// missing or repeated.
func diffPodStatus(old, cur *corev1.PodStatus) (patchMap, bool) {
	if !sameItems(old.ResourceClaimStatuses, cur.ResourceClaimStatuses) {
		return nil, false
	}
	d := patchMap{}
	d.str("phase", string(old.Phase), string(cur.Phase))
	d.str("message", old.Message, cur.Message)
	d.str("reason", old.Reason, cur.Reason)
	d.str("nominatedNodeName", old.NominatedNodeName, cur.NominatedNodeName)
	d.str("hostIP", old.HostIP, cur.HostIP)
	d.str("podIP", old.PodIP, cur.PodIP)
	d.str("qosClass", string(old.QOSClass), string(cur.QOSClass))
	d.str("resize", string(old.Resize), string(cur.Resize))
	d.timePtr("startTime", old.StartTime, cur.StartTime)
	atomicList(d, "initContainerStatuses", old.InitContainerStatuses, cur.InitContainerStatuses)
	atomicList(d, "containerStatuses", old.ContainerStatuses, cur.ContainerStatuses)
	atomicList(d, "ephemeralContainerStatuses", old.EphemeralContainerStatuses, cur.EphemeralContainerStatuses)
	ok := mergeList(d, "conditions", "type", old.Conditions, cur.Conditions, conditionType, diffCondition) &&
		mergeList(d, "hostIPs", "ip", old.HostIPs, cur.HostIPs, hostIPKey, nil) &&
		mergeList(d, "podIPs", "ip", old.PodIPs, cur.PodIPs, podIPKey, nil)
	return d, ok
}

// str diffs a string field that JSON omits when empty.
func (d patchMap) str(name, old, cur string) {
	switch {
	case old == cur:
	case cur == "":
		d[name] = nil
	default:
		d[name] = cur
	}
}

// time diffs a time field, which JSON always has (null when zero).
func (d patchMap) time(name string, old, cur metav1.Time) {
	if !sameJSONTime(old, cur) {
		d[name] = cur // null when zero
	}
}

// timePtr diffs an optional time: absent when nil, null when zero.
func (d patchMap) timePtr(name string, old, cur *metav1.Time) {
	switch {
	case old == nil && cur == nil:
	case cur == nil:
		d[name] = nil
	case old == nil || !sameJSONTime(*old, *cur):
		d[name] = cur
	}
}

// sameJSONTime says whether two times have the same JSON form (RFC 3339
// to the second, null when zero).
func sameJSONTime(a, b metav1.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero() == b.IsZero()
	}
	return a.Unix() == b.Unix()
}

// atomicList diffs a list without merge key (JSON omits it when empty):
// any change replaces it whole.
func atomicList[T any, P protoMessage[T]](d patchMap, name string, old, cur []T) {
	switch {
	case sameItems[T, P](old, cur):
	case len(cur) == 0:
		d[name] = nil
	default:
		d[name] = cur
	}
}

// mergeList diffs a list merged by key (JSON omits it when empty) as a
// strategic merge patch does: a new item whole, a changed item as its
// diff (diffItem, nil when items are only their key) with its key, a
// removed one as a delete directive, and the order of the new list in
// $setElementOrder when anything changed. False when a key is empty or
// repeated (left to the generic diff).
func mergeList[T any](d patchMap, name, keyName string, old, cur []T, key func(*T) string, diffItem func(o, n *T) patchMap) bool {
	switch {
	case len(old) == 0 && len(cur) == 0:
		return true
	case len(cur) == 0:
		d[name] = nil
		return true
	case !uniqueKeys(old, key) || !uniqueKeys(cur, key):
		return false
	case len(old) == 0:
		d[name] = cur // no order directive: the generic diff sends none either
		return true
	}
	var items []any
	for i := range cur {
		n := &cur[i]
		switch o := findKey(old, key, key(n)); {
		case o == nil:
			items = append(items, n)
		case diffItem != nil:
			if c := diffItem(o, n); len(c) > 0 {
				c[keyName] = key(n)
				items = append(items, c)
			}
		}
	}
	for i := range old {
		if k := key(&old[i]); findKey(cur, key, k) == nil {
			items = append(items, patchMap{"$patch": "delete", keyName: k})
		}
	}
	if len(items) > 0 {
		d[name] = items
	}
	if len(items) > 0 || !sameKeyOrder(old, cur, key) {
		order := make([]any, len(cur))
		for i := range cur {
			order[i] = patchMap{keyName: key(&cur[i])}
		}
		d["$setElementOrder/"+name] = order
	}
	return true
}

func uniqueKeys[T any](list []T, key func(*T) string) bool {
	for i := range list {
		k := key(&list[i])
		if k == "" {
			return false
		}
		for j := range i {
			if key(&list[j]) == k {
				return false
			}
		}
	}
	return true
}

func findKey[T any](list []T, key func(*T) string, k string) *T {
	for i := range list {
		if key(&list[i]) == k {
			return &list[i]
		}
	}
	return nil
}

func sameKeyOrder[T any](a, b []T, key func(*T) string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if key(&a[i]) != key(&b[i]) {
			return false
		}
	}
	return true
}

func conditionType(c *corev1.PodCondition) string { return string(c.Type) }
func hostIPKey(ip *corev1.HostIP) string          { return ip.IP }
func podIPKey(ip *corev1.PodIP) string            { return ip.IP }

// diffCondition diffs two conditions of one type.
func diffCondition(o, n *corev1.PodCondition) patchMap {
	d := patchMap{}
	if o.Status != n.Status {
		d["status"] = n.Status // always in JSON, even empty
	}
	d.time("lastProbeTime", o.LastProbeTime, n.LastProbeTime)
	d.time("lastTransitionTime", o.LastTransitionTime, n.LastTransitionTime)
	d.str("reason", o.Reason, n.Reason)
	d.str("message", o.Message, n.Message)
	return d
}
