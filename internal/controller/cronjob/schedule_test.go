package cronjob

import (
	"testing"
	"time"
)

func TestScheduleNext(t *testing.T) {
	utc := time.UTC
	cases := []struct {
		spec, tz, from string
		want           []string // successive activations
	}{
		{"*/1 * * * *", "", "2024-05-01T10:00:30Z", []string{"2024-05-01T10:01:00Z", "2024-05-01T10:02:00Z"}},
		{"*/15 * * * *", "", "2024-05-01T10:00:00Z", []string{"2024-05-01T10:15:00Z", "2024-05-01T10:30:00Z"}},
		{"5 4 * * *", "", "2024-05-01T10:00:00Z", []string{"2024-05-02T04:05:00Z"}},
		{"0 0 29 2 *", "", "2024-03-01T00:00:00Z", []string{"2028-02-29T00:00:00Z"}},
		{"@hourly", "", "2024-05-01T10:59:59Z", []string{"2024-05-01T11:00:00Z", "2024-05-01T12:00:00Z"}},
		{"@daily", "", "2024-12-31T23:00:00Z", []string{"2025-01-01T00:00:00Z"}},
		{"@weekly", "", "2024-05-01T00:00:00Z", []string{"2024-05-05T00:00:00Z"}}, // a Sunday
		{"@monthly", "", "2024-01-31T00:00:00Z", []string{"2024-02-01T00:00:00Z"}},
		{"@yearly", "", "2024-01-01T00:00:00Z", []string{"2025-01-01T00:00:00Z"}},
		{"0 9 * * mon-fri", "", "2024-05-03T09:00:00Z", []string{"2024-05-06T09:00:00Z"}},                    // Fri → Mon
		{"0 0 * * 7", "", "2024-05-01T00:00:00Z", []string{"2024-05-05T00:00:00Z"}},                          // 7 is Sunday
		{"0 0 13 * 5", "", "2024-09-01T00:00:00Z", []string{"2024-09-06T00:00:00Z", "2024-09-13T00:00:00Z"}}, // either day field
		{"0 0 1-7 * */7", "", "2024-05-08T00:00:00Z", []string{"2024-05-12T00:00:00Z"}},                      // */7 restricts: OR
		{"30 10/6 * * *", "", "2024-05-01T11:00:00Z", []string{"2024-05-01T16:30:00Z", "2024-05-01T22:30:00Z", "2024-05-02T10:30:00Z"}},
		{"0 0 1 jan,jul *", "", "2024-02-01T00:00:00Z", []string{"2024-07-01T00:00:00Z", "2025-01-01T00:00:00Z"}},
		{"@every 90m", "", "2024-05-01T10:00:00Z", []string{"2024-05-01T11:30:00Z"}},
		// Time zones.
		{"0 9 * * *", "Asia/Kolkata", "2024-05-01T00:00:00Z", []string{"2024-05-01T03:30:00Z"}},
		{"TZ=Europe/Paris 0 9 * * *", "", "2024-05-01T00:00:00Z", []string{"2024-05-01T07:00:00Z"}},
		{"0 9 * * *", "Europe/Paris", "2024-01-15T00:00:00Z", []string{"2024-01-15T08:00:00Z"}},
		// DST, New York springs forward at 02:00 on 2024-03-10: 02:30 does
		// not exist that day and is skipped.
		{"30 2 * * *", "America/New_York", "2024-03-09T00:00:00Z", []string{"2024-03-09T07:30:00Z", "2024-03-11T06:30:00Z"}},
		{"0 * * * *", "America/New_York", "2024-03-10T06:30:00Z", []string{"2024-03-10T07:00:00Z", "2024-03-10T08:00:00Z"}}, // 02:00 local never comes
		// Falls back at 02:00 on 2024-11-03: 01:30 happens twice.
		{"30 1 * * *", "America/New_York", "2024-11-03T04:00:00Z", []string{"2024-11-03T05:30:00Z", "2024-11-03T06:30:00Z", "2024-11-04T06:30:00Z"}},
		{"0 3 * * *", "America/New_York", "2024-11-02T12:00:00Z", []string{"2024-11-03T08:00:00Z"}},
	}
	for _, c := range cases {
		loc := utc
		if c.tz != "" {
			var err error
			if loc, err = time.LoadLocation(c.tz); err != nil {
				t.Fatal(err)
			}
		}
		s, err := ParseSchedule(c.spec, loc)
		if err != nil {
			t.Errorf("%s: %v", c.spec, err)
			continue
		}
		at := mustTime(t, c.from)
		for _, w := range c.want {
			at = s.Next(at)
			if !at.Equal(mustTime(t, w)) {
				t.Errorf("%s (%s) from %s: got %s, want %s", c.spec, c.tz, c.from, at.UTC().Format(time.RFC3339), w)
				break
			}
		}
	}
}

func TestParseScheduleErrors(t *testing.T) {
	for _, spec := range []string{"", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "*/0 * * * *",
		"5-1 * * * *", "@often", "@every nope", "TZ=Mars/Base * * * * *", "a * * * *"} {
		if _, err := ParseSchedule(spec, time.UTC); err == nil {
			t.Errorf("%q accepted", spec)
		}
	}
}

func TestImpossibleDateNeverFires(t *testing.T) {
	s, err := ParseSchedule("0 0 30 2 *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Next(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)); !got.IsZero() {
		t.Errorf("30 February fired at %s", got)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
