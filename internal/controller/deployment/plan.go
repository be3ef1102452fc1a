package deployment

import (
	"fmt"
	"math"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// This file holds the pure arithmetic of a rollout, kept apart from API
// calls so that tables of cases can check it.

// fenceposts resolves maxSurge (rounded up) and maxUnavailable (rounded
// down) to pod counts for desired replicas. Both zero would deadlock a
// rollout, so maxUnavailable becomes 1 then, as in Kubernetes.
func fenceposts(surge, unavail *intstr.IntOrString, desired int32) (int32, int32, error) {
	s, err := scaled(surge, desired, true)
	if err != nil {
		return 0, 0, fmt.Errorf("maxSurge: %w", err)
	}
	u, err := scaled(unavail, desired, false)
	if err != nil {
		return 0, 0, fmt.Errorf("maxUnavailable: %w", err)
	}
	if s == 0 && u == 0 {
		u = 1
	}
	return s, min(u, desired), nil
}

func scaled(v *intstr.IntOrString, total int32, roundUp bool) (int32, error) {
	if v == nil {
		return 0, nil
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(v, int(total), roundUp)
	return int32(n), err
}

// deploymentFenceposts is fenceposts for a deployment; Recreate has no
// surge and may take everything down.
func deploymentFenceposts(d *appsv1.Deployment) (int32, int32) {
	desired := replicasOf(d.Spec.Replicas)
	ru := d.Spec.Strategy.RollingUpdate
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil {
		return 0, desired
	}
	s, u, err := fenceposts(ru.MaxSurge, ru.MaxUnavailable, desired)
	if err != nil {
		return 0, 1
	}
	return s, u
}

// newRSTarget is the size the new ReplicaSet may have now: grow toward
// desired while the spec total of all ReplicaSets stays within
// desired+maxSurge; shrink to desired if above it.
func newRSTarget(desired, maxSurge, newSpec, totalSpec int32) int32 {
	if newSpec >= desired {
		return desired
	}
	room := desired + maxSurge - totalSpec
	if room <= 0 {
		return newSpec
	}
	return newSpec + min(room, desired-newSpec)
}

// rsCount is what the scale-down arithmetic needs of a ReplicaSet.
type rsCount struct{ Spec, Available int32 }

// oldRSTargets computes new sizes for the old ReplicaSets (given oldest
// first) so that available pods never drop below desired-maxUnavailable:
// first it removes old pods that are not available (they do not count
// toward availability, but only as far as the new ReplicaSet's own
// unavailable pods leave room), then available old pods down to the floor.
func oldRSTargets(desired, maxUnavailable int32, newRS rsCount, olds []rsCount) []int32 {
	out := make([]int32, len(olds))
	var oldSpec, oldAvail int32
	for i, o := range olds {
		out[i] = o.Spec
		oldSpec += o.Spec
		oldAvail += o.Available
	}
	if oldSpec == 0 {
		return out
	}
	minAvailable := desired - maxUnavailable
	newUnavailable := max(newRS.Spec-newRS.Available, 0)
	budget := newRS.Spec + oldSpec - minAvailable - newUnavailable
	if budget <= 0 {
		return out
	}
	for i, o := range olds {
		if budget == 0 {
			break
		}
		unhealthy := out[i] - o.Available
		if unhealthy <= 0 {
			continue
		}
		cut := min(unhealthy, budget)
		out[i] -= cut
		budget -= cut
	}
	down := newRS.Available + oldAvail - minAvailable
	for i := range olds {
		if down <= 0 {
			break
		}
		cut := min(out[i], down)
		out[i] -= cut
		down -= cut
	}
	return out
}

// rsSize is what proportional scaling needs of an active ReplicaSet.
type rsSize struct {
	Spec int32
	// MaxAnnotation is the deployment size+surge this ReplicaSet was
	// last scaled for; ok false when the annotation is missing.
	MaxAnnotation int32
	HasMax        bool
}

// proportionalTargets spreads a change of deployment size over the active
// ReplicaSets (given largest first) in proportion to their sizes, so that
// a scale during a rollout keeps the ratio of old to new pods. allowed is
// the new desired+maxSurge, fallback the size to assume when an annotation
// is missing. Rounding leftovers go to the largest ReplicaSet.
func proportionalTargets(sizes []rsSize, desired, allowed, fallback int32) []int32 {
	out := make([]int32, len(sizes))
	var total int32
	for i, s := range sizes {
		out[i] = s.Spec
		total += s.Spec
	}
	toAdd := allowed - total
	if toAdd == 0 || len(sizes) == 0 {
		return out
	}
	var added int32
	for i, s := range sizes {
		p := proportion(s, desired, allowed, fallback, toAdd, added)
		out[i] += p
		added += p
	}
	out[0] = max(out[0]+toAdd-added, 0)
	return out
}

// proportion is one ReplicaSet's share of toAdd, bounded by what is left.
func proportion(s rsSize, desired, allowed, fallback, toAdd, added int32) int32 {
	if s.Spec == 0 || toAdd == added {
		return 0
	}
	var fraction int32
	if desired == 0 {
		fraction = -s.Spec
	} else {
		base := fallback
		if s.HasMax {
			base = s.MaxAnnotation
		}
		if base <= 0 {
			return 0
		}
		size := float64(s.Spec) * float64(allowed) / float64(base)
		fraction = int32(math.Round(size)) - s.Spec
	}
	left := toAdd - added
	if toAdd > 0 {
		return min(fraction, left)
	}
	return max(fraction, left)
}
