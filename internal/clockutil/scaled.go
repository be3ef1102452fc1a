// Package clockutil holds clocks for components that must be testable
// end to end without waiting for wall-clock minutes.
package clockutil

import (
	"time"

	"k8s.io/utils/clock"
)

// scaled maps real time onto a faster timeline starting at origin.
type scaled struct {
	origin time.Time // real and scaled time agree here
	speed  float64
}

// Scaled returns a clock running speed times faster than the real one;
// speed <= 1 returns the real clock.
func Scaled(speed float64) clock.WithTicker {
	if speed <= 1 {
		return clock.RealClock{}
	}
	return &scaled{origin: time.Now(), speed: speed}
}

func (c *scaled) real(d time.Duration) time.Duration { return time.Duration(float64(d) / c.speed) }

func (c *scaled) Now() time.Time {
	elapsed := time.Since(c.origin)
	return c.origin.Add(time.Duration(float64(elapsed) * c.speed))
}

func (c *scaled) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

func (c *scaled) After(d time.Duration) <-chan time.Time { return c.NewTimer(d).C() }

func (c *scaled) Sleep(d time.Duration) { time.Sleep(c.real(d)) }

func (c *scaled) Tick(d time.Duration) <-chan time.Time { return c.NewTicker(d).C() }

func (c *scaled) NewTimer(d time.Duration) clock.Timer {
	t := &scaledTimer{c: c, out: make(chan time.Time, 1)}
	t.t = time.AfterFunc(c.real(d), t.fire)
	return t
}

func (c *scaled) AfterFunc(d time.Duration, f func()) clock.Timer {
	t := &scaledTimer{c: c, out: make(chan time.Time, 1)}
	t.t = time.AfterFunc(c.real(d), f)
	return t
}

func (c *scaled) NewTicker(d time.Duration) clock.Ticker {
	t := &scaledTicker{c: c, t: time.NewTicker(c.real(d)), out: make(chan time.Time, 1), stop: make(chan struct{})}
	go t.relay()
	return t
}

// scaledTimer delivers the scaled time when the real timer fires.
type scaledTimer struct {
	c   *scaled
	t   *time.Timer
	out chan time.Time
}

func (t *scaledTimer) fire() {
	select {
	case t.out <- t.c.Now():
	default:
	}
}

func (t *scaledTimer) C() <-chan time.Time { return t.out }
func (t *scaledTimer) Stop() bool          { return t.t.Stop() }
func (t *scaledTimer) Reset(d time.Duration) bool {
	return t.t.Reset(t.c.real(d))
}

// scaledTicker relays real ticks as scaled times until stopped.
type scaledTicker struct {
	c    *scaled
	t    *time.Ticker
	out  chan time.Time
	stop chan struct{}
}

func (t *scaledTicker) relay() {
	for {
		select {
		case <-t.stop:
			return
		case <-t.t.C:
			select {
			case t.out <- t.c.Now():
			default:
			}
		}
	}
}

func (t *scaledTicker) C() <-chan time.Time { return t.out }
func (t *scaledTicker) Stop() {
	t.t.Stop()
	select {
	case <-t.stop:
	default:
		close(t.stop)
	}
}
