package apiserver

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestEncodedEventsKeepsTheLatest(t *testing.T) {
	e := newEncodedEvents()
	keys := make([]encodedKey, encodedEventsSize+10)
	for i := range keys {
		keys[i] = encodedKey{obj: &corev1.Pod{}}
		e.put(keys[i], []byte(fmt.Sprint(i)))
	}
	for i, k := range keys {
		b, ok := e.get(k)
		switch {
		case i < 10 && ok:
			t.Errorf("entry %d still cached after %d newer ones", i, encodedEventsSize)
		case i >= 10 && (!ok || string(b) != fmt.Sprint(i)):
			t.Errorf("entry %d = %q, %v; want %q", i, b, ok, fmt.Sprint(i))
		}
	}
	if len(e.m) != encodedEventsSize {
		t.Errorf("%d entries kept, want %d", len(e.m), encodedEventsSize)
	}
	// The same object served as another target is another entry.
	other := keys[len(keys)-1]
	other.target = asTable
	if _, ok := e.get(other); ok {
		t.Error("an encoding was shared across targets")
	}
}
