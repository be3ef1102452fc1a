package bench

import (
	"bufio"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// scaleBucket is one cumulative histogram bucket of the Prometheus text
// format: count observations were <= le.
type scaleBucket struct {
	le    float64
	count float64
}

// scaleHistogram sums, over all series of metric whose labels contain
// every one of match (e.g. `result="scheduled"`), the cumulative buckets
// of the text exposition in text.
func scaleHistogram(text, metric string, match ...string) ([]scaleBucket, error) {
	byLE := map[float64]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		labels, value, ok := scaleSeries(line, metric+"_bucket")
		if !ok || !scaleHasAll(labels, match) {
			continue
		}
		le, err := scaleLabel(labels, "le")
		if err != nil {
			return nil, fmt.Errorf("bucket line %q: %w", line, err)
		}
		byLE[le] += value
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading metrics: %w", err)
	}
	out := make([]scaleBucket, 0, len(byLE))
	for le, c := range byLE {
		out = append(out, scaleBucket{le: le, count: c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].le < out[j].le })
	return out, nil
}

// scaleSeries splits `name{labels} value` when name matches.
func scaleSeries(line, name string) (labels string, value float64, ok bool) {
	rest, found := strings.CutPrefix(line, name+"{")
	if !found {
		return "", 0, false
	}
	labels, num, found := strings.Cut(rest, "} ")
	if !found {
		return "", 0, false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil {
		return "", 0, false
	}
	return labels, v, true
}

func scaleHasAll(labels string, match []string) bool {
	for _, m := range match {
		if !strings.Contains(labels, m) {
			return false
		}
	}
	return true
}

// scaleLabel returns the value of label key (a number, or +Inf).
func scaleLabel(labels, key string) (float64, error) {
	// Match at the start or after a comma, so "le" does not match the
	// tail of "profile".
	after, found := strings.CutPrefix(labels, key+`="`)
	if !found {
		_, after, found = strings.Cut(labels, `,`+key+`="`)
	}
	if !found {
		return 0, fmt.Errorf("no %s label", key)
	}
	val, _, _ := strings.Cut(after, `"`)
	if val == "+Inf" {
		return math.Inf(1), nil
	}
	return strconv.ParseFloat(val, 64)
}

// scaleQuantile returns the upper bound of the first bucket holding the
// q-th fraction of observations: an upper estimate, as precise as the
// buckets; +Inf when it lies beyond the last finite bucket, NaN when
// there are no observations.
func scaleQuantile(buckets []scaleBucket, q float64) float64 {
	if len(buckets) == 0 || buckets[len(buckets)-1].count == 0 {
		return math.NaN()
	}
	target := q * buckets[len(buckets)-1].count
	for _, b := range buckets {
		if b.count >= target {
			return b.le
		}
	}
	return math.Inf(1)
}
