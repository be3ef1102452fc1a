package ctrlutil

import (
	"testing"
	"time"
)

func TestExpectations(t *testing.T) {
	now := time.Unix(1000, 0)
	e := NewExpectations()
	e.now = func() time.Time { return now }
	if !e.Satisfied("ns/a") {
		t.Fatal("unknown key must be satisfied")
	}
	e.ExpectCreations("ns/a", 2)
	if e.Satisfied("ns/a") {
		t.Fatal("satisfied with 2 creations outstanding")
	}
	e.CreationObserved("ns/a")
	if e.Satisfied("ns/a") {
		t.Fatal("satisfied with 1 creation outstanding")
	}
	e.CreationObserved("ns/a")
	if !e.Satisfied("ns/a") {
		t.Fatal("not satisfied after all creations observed")
	}
	e.ExpectDeletions("ns/a", []string{"ns/p1", "ns/p2"})
	e.DeletionObserved("ns/a", "ns/p1")
	e.DeletionObserved("ns/a", "ns/p1") // a repeat must not count twice
	if e.Satisfied("ns/a") {
		t.Fatal("satisfied with p2 outstanding")
	}
	now = now.Add(expectationsTTL + time.Second)
	if !e.Satisfied("ns/a") {
		t.Fatal("expired expectations must not block forever")
	}
	e.ExpectCreations("ns/b", 1)
	e.Delete("ns/b")
	if !e.Satisfied("ns/b") {
		t.Fatal("deleted key still blocks")
	}
}
