package eviction

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Threshold is a hard eviction threshold: the signal is under pressure
// when what is available is less than Quantity, or than Percentage of
// the capacity when Quantity is nil.
type Threshold struct {
	Signal     Signal
	Quantity   *resource.Quantity
	Percentage float64 // 0..100
}

// DefaultThresholds are Kubernetes' default hard thresholds on Linux.
func DefaultThresholds() []Threshold {
	mi := resource.MustParse("100Mi")
	return []Threshold{
		{Signal: MemoryAvailable, Quantity: &mi},
		{Signal: NodeFsAvailable, Percentage: 10},
		{Signal: NodeFsInodesFree, Percentage: 5},
		{Signal: ImageFsAvailable, Percentage: 15},
	}
}

// value is the threshold in the signal's unit for a capacity.
func (t Threshold) value(capacity int64) int64 {
	if t.Quantity != nil {
		return t.Quantity.Value()
	}
	return int64(float64(capacity) * t.Percentage / 100)
}

// Met says whether an observation crosses the threshold.
func (t Threshold) Met(o Observation) bool { return o.Available < t.value(o.Capacity) }

// String is the threshold as Kubernetes' flags write it.
func (t Threshold) String() string { return string(t.Signal) + "<" + t.quantity() }

func (t Threshold) quantity() string {
	if t.Quantity != nil {
		return t.Quantity.String()
	}
	return strconv.FormatFloat(t.Percentage, 'f', -1, 64) + "%"
}

// ParseThresholds reads thresholds as Kubernetes' --eviction-hard does:
// "memory.available<100Mi,nodefs.available<10%".
func ParseThresholds(s string) ([]Threshold, error) {
	var out []Threshold
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		t, err := parseThreshold(part)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func parseThreshold(s string) (Threshold, error) {
	name, val, ok := strings.Cut(s, "<")
	if !ok {
		return Threshold{}, fmt.Errorf("eviction threshold %q: want <signal><<quantity>", s)
	}
	sig := Signal(name)
	if !knownSignals[sig] {
		return Threshold{}, fmt.Errorf("eviction threshold %q: unknown signal %q", s, name)
	}
	if pct, ok := strings.CutSuffix(val, "%"); ok {
		p, err := strconv.ParseFloat(pct, 64)
		if err != nil || p < 0 || p > 100 {
			return Threshold{}, fmt.Errorf("eviction threshold %q: bad percentage", s)
		}
		return Threshold{Signal: sig, Percentage: p}, nil
	}
	q, err := resource.ParseQuantity(val)
	if err != nil || q.Sign() < 0 {
		return Threshold{}, fmt.Errorf("eviction threshold %q: bad quantity: %v", s, err)
	}
	return Threshold{Signal: sig, Quantity: &q}, nil
}

var knownSignals = map[Signal]bool{
	MemoryAvailable: true, NodeFsAvailable: true, NodeFsInodesFree: true,
	ImageFsAvailable: true, ImageFsInodesFree: true, PIDAvailable: true,
}

// crossed returns the thresholds the observations cross, in the order
// they are acted upon.
func crossed(ts []Threshold, obs Observations) []Threshold {
	var out []Threshold
	for _, t := range ts {
		if o, ok := obs[t.Signal]; ok && t.Met(o) {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Signal.order() < out[j].Signal.order() })
	return out
}
