package job

import (
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"
)

// parseIndexes reads the compressed interval form Kubernetes uses for
// status.completedIndexes and status.failedIndexes ("1,3-5,7"). Indexes
// outside [0, completions) are dropped: completions may have shrunk
// (elastic indexed jobs).
func parseIndexes(s string, completions int32) sets.Set[int] {
	out := sets.New[int]()
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		last := first
		if isRange {
			if last, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for i := first; i <= last && i < int(completions); i++ {
			if i >= 0 {
				out.Insert(i)
			}
		}
	}
	return out
}

// formatIndexes writes a set back in compressed interval form.
func formatIndexes(set sets.Set[int]) string {
	ix := set.UnsortedList()
	sort.Ints(ix)
	var parts []string
	for i := 0; i < len(ix); {
		j := i
		for j+1 < len(ix) && ix[j+1] == ix[j]+1 {
			j++
		}
		switch {
		case i == j:
			parts = append(parts, strconv.Itoa(ix[i]))
		default:
			parts = append(parts, strconv.Itoa(ix[i])+"-"+strconv.Itoa(ix[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
