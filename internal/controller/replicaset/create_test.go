package replicaset

import (
	"errors"
	"sync/atomic"
	"testing"
)

func TestSlowStartBatch(t *testing.T) {
	cases := []struct {
		name             string
		count, failAfter int // calls after the first failAfter fail; -1 never
		wantCalls        int
		wantOK           int
		wantErr          bool
	}{
		{"all succeed", 10, -1, 10, 10, false},
		{"first call fails: only one attempt", 10, 0, 1, 0, true},
		{"fails in the third batch (1+2+4)", 10, 4, 7, 4, true},
		{"zero", 0, -1, 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			ok, err := slowStartBatch(tc.count, 1, func() error {
				n := int(calls.Add(1))
				if tc.failAfter >= 0 && n > tc.failAfter {
					return errors.New("refused")
				}
				return nil
			})
			if int(calls.Load()) != tc.wantCalls || ok != tc.wantOK || (err != nil) != tc.wantErr {
				t.Errorf("calls=%d ok=%d err=%v; want calls=%d ok=%d err=%v",
					calls.Load(), ok, err, tc.wantCalls, tc.wantOK, tc.wantErr)
			}
		})
	}
}
