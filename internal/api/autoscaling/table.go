package autoscaling

import (
	"fmt"
	"strings"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

var hpaColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: "Name must be unique within a namespace."},
	{Name: "Reference", Type: "string", Description: "reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource."},
	{Name: "Targets", Type: "string", Description: "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used)."},
	{Name: "MinPods", Type: "string", Description: "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down."},
	{Name: "MaxPods", Type: "integer", Description: "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up."},
	{Name: "Replicas", Type: "integer", Description: "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler."},
	{Name: "Age", Type: "string", Description: "CreationTimestamp is a timestamp representing the server time when this object was created."},
}

func hpaRow(h *autoscalingv2.HorizontalPodAutoscaler) []any {
	minPods := "<unset>"
	if h.Spec.MinReplicas != nil {
		minPods = fmt.Sprintf("%d", *h.Spec.MinReplicas)
	}
	age := "<unknown>"
	if !h.CreationTimestamp.IsZero() {
		age = duration.HumanDuration(time.Since(h.CreationTimestamp.Time))
	}
	return []any{
		h.Name,
		h.Spec.ScaleTargetRef.Kind + "/" + h.Spec.ScaleTargetRef.Name,
		formatTargets(h.Spec.Metrics, h.Status.CurrentMetrics),
		minPods,
		int64(h.Spec.MaxReplicas),
		int64(h.Status.CurrentReplicas),
		age,
	}
}

// maxShownTargets is how many metrics the TARGETS column lists before
// summarising the rest as "+ N more...".
const maxShownTargets = 2

// formatTargets renders "current/target" per metric, as kubectl does.
// Statuses are matched to specs by position, as the controller writes them.
func formatTargets(specs []autoscalingv2.MetricSpec, statuses []autoscalingv2.MetricStatus) string {
	if len(specs) == 0 {
		return "<none>"
	}
	list := make([]string, 0, len(specs))
	for i := range specs {
		var st *autoscalingv2.MetricStatus
		if i < len(statuses) {
			st = &statuses[i]
		}
		list = append(list, formatTarget(&specs[i], st))
	}
	if len(list) > maxShownTargets {
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:maxShownTargets], ", "), len(list)-maxShownTargets)
	}
	return strings.Join(list, ", ")
}

func formatTarget(m *autoscalingv2.MetricSpec, st *autoscalingv2.MetricStatus) string {
	switch {
	case m.Type == autoscalingv2.ExternalMetricSourceType && m.External != nil:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.External != nil {
			cur = &st.External.Current
		}
		return valueTarget(m.External.Target, cur)
	case m.Type == autoscalingv2.ObjectMetricSourceType && m.Object != nil:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.Object != nil {
			cur = &st.Object.Current
		}
		return valueTarget(m.Object.Target, cur)
	case m.Type == autoscalingv2.PodsMetricSourceType && m.Pods != nil:
		current := "<unknown>"
		if st != nil && st.Pods != nil && st.Pods.Current.AverageValue != nil {
			current = st.Pods.Current.AverageValue.String()
		}
		return current + "/" + quantityString(m.Pods.Target.AverageValue)
	case m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.Resource != nil {
			cur = &st.Resource.Current
		}
		return string(m.Resource.Name) + ": " + resourceTarget(m.Resource.Target, cur)
	case m.Type == autoscalingv2.ContainerResourceMetricSourceType && m.ContainerResource != nil:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.ContainerResource != nil {
			cur = &st.ContainerResource.Current
		}
		return string(m.ContainerResource.Name) + ": " + resourceTarget(m.ContainerResource.Target, cur)
	}
	return "<unknown type>"
}

// valueTarget renders an object or external metric: an average value is
// marked "(avg)".
func valueTarget(t autoscalingv2.MetricTarget, cur *autoscalingv2.MetricValueStatus) string {
	current := "<unknown>"
	if t.AverageValue != nil {
		if cur != nil && cur.AverageValue != nil {
			current = cur.AverageValue.String()
		}
		return fmt.Sprintf("%s/%s (avg)", current, t.AverageValue.String())
	}
	if cur != nil && cur.Value != nil {
		current = cur.Value.String()
	}
	return current + "/" + quantityString(t.Value)
}

// resourceTarget renders a resource metric: a raw average value, or a
// utilization percentage.
func resourceTarget(t autoscalingv2.MetricTarget, cur *autoscalingv2.MetricValueStatus) string {
	current := "<unknown>"
	if t.AverageValue != nil {
		if cur != nil && cur.AverageValue != nil {
			current = cur.AverageValue.String()
		}
		return current + "/" + t.AverageValue.String()
	}
	if cur != nil && cur.AverageUtilization != nil {
		current = fmt.Sprintf("%d%%", *cur.AverageUtilization)
	}
	target := "<auto>"
	if t.AverageUtilization != nil {
		target = fmt.Sprintf("%d%%", *t.AverageUtilization)
	}
	return current + "/" + target
}
