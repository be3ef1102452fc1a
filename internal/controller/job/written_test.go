package job

import "testing"

func TestWrittenVersions(t *testing.T) {
	var w writtenVersions
	if w.newer("ns/a", "5") {
		t.Error("nothing written, yet newer")
	}
	w.record("ns/a", "10")
	for rv, want := range map[string]bool{"9": true, "10": false, "11": false, "not-a-number": false} {
		if got := w.newer("ns/a", rv); got != want {
			t.Errorf("newer(ns/a, %s) = %v, want %v", rv, got, want)
		}
	}
	if w.newer("ns/b", "1") {
		t.Error("another job is affected")
	}
	w.forget("ns/a")
	if w.newer("ns/a", "9") {
		t.Error("forgotten job still newer")
	}
}

func TestExpectationsIgnoreUnaskedObservations(t *testing.T) {
	e := newExpectations()
	e.observe("ns/a", 3, 1) // events for pods the controller did not create
	e.expect("ns/a", 2, 0)
	if e.satisfied("ns/a") {
		t.Fatal("satisfied before the two asked-for pods were seen")
	}
	e.observe("ns/a", 1, 0)
	if e.satisfied("ns/a") {
		t.Fatal("satisfied after one of two pods")
	}
	e.observe("ns/a", 1, 0)
	if !e.satisfied("ns/a") {
		t.Fatal("not satisfied after both pods")
	}
}
