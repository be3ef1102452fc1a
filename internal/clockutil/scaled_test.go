package clockutil

import (
	"testing"
	"time"

	"k8s.io/utils/clock"
)

func TestRealClockWhenNotFaster(t *testing.T) {
	if _, ok := Scaled(1).(clock.RealClock); !ok {
		t.Fatal("speed 1 must be the real clock")
	}
}

// TestScaledTimeRunsFaster: after a short real wait the scaled clock has
// moved much further than the real one (a lower bound only, never an
// upper one, so a slow machine cannot fail it).
func TestScaledTimeRunsFaster(t *testing.T) {
	c := Scaled(600)
	start := c.Now()
	realStart := time.Now()
	select {
	case <-c.After(time.Minute): // 100 ms of real time
	case <-time.After(30 * time.Second):
		t.Fatal("a scaled minute did not pass within 30 real seconds")
	}
	if got := c.Since(start); got < time.Minute {
		t.Fatalf("scaled clock moved %v, want at least a minute", got)
	}
	if time.Since(realStart) >= time.Minute {
		t.Fatal("the timer waited a real minute")
	}
	tk := c.NewTicker(time.Minute)
	defer tk.Stop()
	for i := 0; i < 2; i++ {
		select {
		case <-tk.C():
		case <-time.After(30 * time.Second):
			t.Fatal("ticker did not tick")
		}
	}
}
