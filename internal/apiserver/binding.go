package apiserver

import (
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// serveBinding assigns a pod to a node (pods/binding), once.
func (s *Server) serveBinding(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo) {
	if info.Verb != "create" {
		s.writeError(w, r, errMethodNotSupported(res.gr, info.Verb))
		return
	}
	body, err := readBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b := &corev1.Binding{}
	want := corev1.SchemeGroupVersion.WithKind("Binding")
	jsonInfo, ok := bodyFormat(s.codecs, r)
	if !ok {
		s.writeError(w, r, errUnsupportedMediaType(r.Header.Get("Content-Type")))
		return
	}
	if _, _, err := jsonInfo.Serializer.Decode(body, &want, b); err != nil {
		s.writeError(w, r, errBadRequest("decoding Binding: %v", err))
		return
	}
	if b.Target.Name == "" || (b.Target.Kind != "" && b.Target.Kind != "Node") {
		s.writeError(w, r, apierrors.NewInvalid(want.GroupKind(), info.Name, field.ErrorList{
			field.Required(field.NewPath("target", "name"), "a node name is required")}))
		return
	}
	req := updateReq{ns: info.Namespace, name: info.Name, manager: managerName("", r), internal: true}
	_, err = s.update(r.Context(), res, req, func(cur runtime.Object) (runtime.Object, error) {
		pod := cur.(*corev1.Pod)
		if pod.DeletionTimestamp != nil {
			return nil, apierrors.NewConflict(res.gr, pod.Name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", pod.Name))
		}
		if pod.Spec.NodeName != "" {
			return nil, apierrors.NewConflict(res.gr, pod.Name, fmt.Errorf("pod %s is already assigned to node %q", pod.Name, pod.Spec.NodeName))
		}
		if b.UID != "" && b.UID != pod.UID {
			return nil, apierrors.NewConflict(res.gr, pod.Name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", b.UID, pod.UID))
		}
		pod.Spec.NodeName = b.Target.Name
		setPodCondition(pod, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()})
		return pod, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st := &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}
	st.SetGroupVersionKind(statusGVK)
	s.writeObject(w, r, http.StatusCreated, nil, st)
}

func setPodCondition(pod *corev1.Pod, c corev1.PodCondition) {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == c.Type {
			pod.Status.Conditions[i] = c
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, c)
}

var pdbGVR = schema.GroupVersionResource{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"}

// serveEviction deletes a pod unless a PodDisruptionBudget forbids it,
// answering 429 as Kubernetes does so `kubectl drain` retries.
func (s *Server) serveEviction(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo) {
	if info.Verb != "create" {
		s.writeError(w, r, errMethodNotSupported(res.gr, info.Verb))
		return
	}
	body, err := readBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ev := &policyv1.Eviction{}
	jsonInfo, _ := bodyFormat(s.codecs, r)
	if jsonInfo.Serializer != nil {
		if _, _, err := jsonInfo.Serializer.Decode(body, nil, ev); err != nil {
			s.writeError(w, r, errBadRequest("decoding Eviction: %v", err))
			return
		}
	}
	cur, err := res.get(r.Context(), info.Namespace, info.Name, "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pod := cur.(*corev1.Pod)
	if err := s.checkDisruptionBudgets(r, pod); err != nil {
		s.writeError(w, r, err)
		return
	}
	opts := ev.DeleteOptions
	if opts == nil {
		opts = &metav1.DeleteOptions{}
	}
	if _, _, err := s.delete(r.Context(), res, info.Namespace, info.Name, opts); err != nil {
		s.writeError(w, r, err)
		return
	}
	st := &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}
	st.SetGroupVersionKind(statusGVK)
	s.writeObject(w, r, http.StatusCreated, nil, st)
}

// checkDisruptionBudgets refuses an eviction that a matching PDB does not
// allow, and consumes one allowed disruption otherwise.
func (s *Server) checkDisruptionBudgets(r *http.Request, pod *corev1.Pod) error {
	pres, ok := s.kinds[pdbGVR]
	if !ok || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed || pod.DeletionTimestamp != nil {
		return nil
	}
	list, err := s.list(r, pres, pod.Namespace, metav1.ListOptions{}, nil)
	if err != nil {
		return err
	}
	items, _ := extractList(list)
	for _, it := range items {
		pdb := it.(*policyv1.PodDisruptionBudget)
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		req := updateReq{ns: pdb.Namespace, name: pdb.Name, sub: "status", manager: "eviction", internal: true}
		_, err = s.update(r.Context(), pres, req, func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*policyv1.PodDisruptionBudget)
			if p.Status.ObservedGeneration < p.Generation || p.Status.DisruptionsAllowed < 1 {
				return nil, tooManyRequests(p.Name)
			}
			p.Status.DisruptionsAllowed--
			// Recorded so the disruption controller does not count the pod
			// as healthy again before it is gone.
			if p.Status.DisruptedPods == nil {
				p.Status.DisruptedPods = map[string]metav1.Time{}
			}
			p.Status.DisruptedPods[pod.Name] = metav1.Now()
			return p, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func tooManyRequests(pdb string) error {
	err := apierrors.NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{
		Type: policyv1.DisruptionBudgetCause, Message: fmt.Sprintf("The disruption budget %s needs more healthy pods to allow eviction", pdb)})
	return err
}
