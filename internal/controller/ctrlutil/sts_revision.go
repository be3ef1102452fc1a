package ctrlutil

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/rand"
)

// ControllerRevisionHashLabel is the label Kubernetes puts on a
// ControllerRevision carrying the hash of its data.
const ControllerRevisionHashLabel = "controller.kubernetes.io/hash"

// TemplateRevisionData is the data of a ControllerRevision for a workload
// whose only versioned part is its pod template (StatefulSet, DaemonSet):
// a strategic merge patch that replaces spec.template, as Kubernetes stores
// it, so that `kubectl rollout undo` can apply it back.
func TemplateRevisionData(t *corev1.PodTemplateSpec) ([]byte, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("encoding pod template: %w", err)
	}
	var tm map[string]any
	if err := json.Unmarshal(raw, &tm); err != nil {
		return nil, fmt.Errorf("decoding pod template: %w", err)
	}
	tm["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": tm}})
}

// TemplateFromRevision decodes the pod template stored by
// TemplateRevisionData (the "$patch" directive is ignored).
func TemplateFromRevision(rev *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
	var d struct {
		Spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(rev.Data.Raw, &d); err != nil {
		return nil, fmt.Errorf("decoding revision %s: %w", rev.Name, err)
	}
	return &d.Spec.Template, nil
}

// HashRevisionData is the hash naming a revision: FNV-1a of the data and,
// when set, the collision count (bumped after a name clash so the same data
// gets a new name), encoded with the safe alphabet of generated names.
func HashRevisionData(data []byte, collisionCount *int32) string {
	h := fnv.New32a()
	_, _ = h.Write(data)
	if collisionCount != nil {
		var buf [4]byte
		binary.LittleEndian.PutUint32(buf[:], uint32(*collisionCount))
		_, _ = h.Write(buf[:])
	}
	return rand.SafeEncodeString(strconv.FormatUint(uint64(h.Sum32()), 10))
}

// NewControllerRevision builds the revision <owner>-<hash> of data,
// controlled by owner, labelled with labels plus the hash label.
func NewControllerRevision(owner metav1.Object, gvk schema.GroupVersionKind, labels map[string]string,
	data []byte, revision int64, collisionCount *int32) *appsv1.ControllerRevision {
	hash := HashRevisionData(data, collisionCount)
	l := copyMap(labels)
	if l == nil {
		l = map[string]string{}
	}
	l[ControllerRevisionHashLabel] = hash
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name:            owner.GetName() + "-" + hash,
			Namespace:       owner.GetNamespace(),
			Labels:          l,
			OwnerReferences: []metav1.OwnerReference{*NewControllerRef(owner, gvk)},
		},
		Data:     runtime.RawExtension{Raw: data},
		Revision: revision,
	}
}

// RevisionHash returns the hash part of a revision: its hash label, or
// the name without the owner prefix.
func RevisionHash(rev *appsv1.ControllerRevision, owner string) string {
	if h := rev.Labels[ControllerRevisionHashLabel]; h != "" {
		return h
	}
	if len(rev.Name) > len(owner)+1 {
		return rev.Name[len(owner)+1:]
	}
	return rev.Name
}

// EqualRevisionData reports whether two revisions hold the same data,
// comparing decoded JSON so key order and spacing do not matter.
func EqualRevisionData(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return bytes.Equal(ja, jb)
}

// SortRevisions orders revisions oldest first (by revision number, then
// creation time, then name).
func SortRevisions(revs []*appsv1.ControllerRevision) {
	sort.SliceStable(revs, func(i, j int) bool {
		a, b := revs[i], revs[j]
		if a.Revision != b.Revision {
			return a.Revision < b.Revision
		}
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return a.Name < b.Name
	})
}

// NextRevisionNumber is one more than the highest revision number.
func NextRevisionNumber(revs []*appsv1.ControllerRevision) int64 {
	var max int64
	for _, r := range revs {
		if r.Revision > max {
			max = r.Revision
		}
	}
	return max + 1
}
