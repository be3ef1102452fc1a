package scheduler

import (
	v1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// withPriority fills spec.priority and spec.preemptionPolicy from the
// PriorityClass when admission did not (the API server normally does). It
// copies the pod only when it changes something.
func (s *Scheduler) withPriority(pod *v1.Pod) *v1.Pod {
	if pod.Spec.Priority != nil && (pod.Spec.PreemptionPolicy != nil || pod.Spec.PriorityClassName == "") {
		return pod
	}
	pc := s.priorityClassFor(pod)
	if pc == nil {
		return pod
	}
	out := pod.DeepCopy()
	if out.Spec.Priority == nil {
		v := pc.Value
		out.Spec.Priority = &v
	}
	if out.Spec.PreemptionPolicy == nil && pc.PreemptionPolicy != nil {
		p := *pc.PreemptionPolicy
		out.Spec.PreemptionPolicy = &p
	}
	return out
}

func (s *Scheduler) priorityClassFor(pod *v1.Pod) *schedulingv1.PriorityClass {
	if name := pod.Spec.PriorityClassName; name != "" {
		pc, err := s.priorityClasses.Get(name)
		if err != nil {
			return nil
		}
		return pc
	}
	all, err := s.priorityClasses.List(labels.Everything())
	if err != nil {
		return nil
	}
	for _, pc := range all {
		if pc.GlobalDefault {
			return pc
		}
	}
	return nil
}
