package deployment

import (
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// safeAlphabet has no vowels (no accidental words) and no characters that
// look alike (0/o, 1/l/i, 3/e), as Kubernetes' generated names.
const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// ComputeHash returns the pod-template-hash of a template: a 32-bit FNV-1a
// of the template's canonical JSON (map keys sorted, so stable across
// processes) and the collision count, written in decimal and then each
// digit mapped onto the safe alphabet. The collision count is added only
// when set, so that bumping it (after a name clash with a foreign
// ReplicaSet) yields a different name for the same template.
func ComputeHash(t *corev1.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	b, err := json.Marshal(t)
	if err != nil {
		// A PodTemplateSpec always marshals; fall back to nothing rather
		// than panic.
		b = nil
	}
	_, _ = h.Write(b)
	if collisionCount != nil {
		var buf [8]byte
		binary.LittleEndian.PutUint32(buf[:4], uint32(*collisionCount))
		_, _ = h.Write(buf[:4])
	}
	return safeEncode(strconv.FormatUint(uint64(h.Sum32()), 10))
}

// safeEncode maps every byte of s onto the safe alphabet.
func safeEncode(s string) string {
	out := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = safeAlphabet[int(s[i])%len(safeAlphabet)]
	}
	return string(out)
}
