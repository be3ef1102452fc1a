package cronjob

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule gives the activation times of a cron expression.
type Schedule interface {
	// Next is the first activation strictly after t.
	Next(t time.Time) time.Time
}

// ParseSchedule reads a standard five-field cron expression (minute hour
// day-of-month month day-of-week, with names, ranges, lists and steps),
// a macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight,
// @hourly, "@every <duration>"), optionally prefixed by TZ=<zone> or
// CRON_TZ=<zone>. Times are computed in loc unless the expression names
// its own zone.
func ParseSchedule(spec string, loc *time.Location) (Schedule, error) {
	spec = strings.TrimSpace(spec)
	for _, prefix := range []string{"TZ=", "CRON_TZ="} {
		if rest, ok := strings.CutPrefix(spec, prefix); ok {
			name, expr, _ := strings.Cut(rest, " ")
			l, err := time.LoadLocation(name)
			if err != nil {
				return nil, fmt.Errorf("provided bad location %s: %w", name, err)
			}
			loc, spec = l, strings.TrimSpace(expr)
		}
	}
	if loc == nil {
		loc = time.Local
	}
	if every, ok := strings.CutPrefix(spec, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(every))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("failed to parse duration %s", spec)
		}
		return everySchedule{max(d.Truncate(time.Second), time.Second)}, nil
	}
	if m, ok := macros[spec]; ok {
		spec = m
	}
	fs := strings.Fields(spec)
	if len(fs) != 5 {
		return nil, fmt.Errorf("expected exactly 5 fields, found %d: %s", len(fs), spec)
	}
	s := &cronSchedule{loc: loc}
	bits := []*uint64{&s.minute, &s.hour, &s.dom, &s.month, &s.dow}
	for i, f := range fs {
		b, star, err := parseField(f, fields[i])
		if err != nil {
			return nil, err
		}
		*bits[i] = b
		switch i {
		case 2:
			s.domStar = star
		case 4:
			s.dowStar = star
		}
	}
	// Sunday may be written 7.
	if s.dow&(1<<7) != 0 {
		s.dow |= 1
	}
	return s, nil
}

var macros = map[string]string{
	"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
	"@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}

type fieldSpec struct {
	min, max int
	names    map[string]int
}

var fields = [5]fieldSpec{
	{min: 0, max: 59},
	{min: 0, max: 23},
	{min: 1, max: 31},
	{min: 1, max: 12, names: map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}},
	{min: 0, max: 7, names: map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}},
}

// parseField turns "*/15", "1-5", "mon,wed", "10/5" ... into a bit set.
// star reports an unrestricted field ("*" or "?"), which matters for the
// day-of-month/day-of-week rule.
func parseField(f string, spec fieldSpec) (uint64, bool, error) {
	var bits uint64
	star := false
	for _, expr := range strings.Split(f, ",") {
		b, s, err := parseRange(expr, spec)
		if err != nil {
			return 0, false, err
		}
		bits |= b
		star = star || s
	}
	return bits, star, nil
}

func parseRange(expr string, spec fieldSpec) (uint64, bool, error) {
	rangePart, stepPart, hasStep := strings.Cut(expr, "/")
	lo, hi, hasRange := strings.Cut(rangePart, "-")
	start, end, star := spec.min, spec.max, false
	var err error
	if lo == "*" || lo == "?" {
		star = !hasRange
	} else {
		if start, err = value(lo, spec.names); err != nil {
			return 0, false, err
		}
		end = start
		if hasRange {
			if end, err = value(hi, spec.names); err != nil {
				return 0, false, err
			}
		} else if hasStep {
			end = spec.max // "a/n" means from a to the end, every n
		}
	}
	step := 1
	if hasStep {
		if step, err = strconv.Atoi(stepPart); err != nil || step <= 0 {
			return 0, false, fmt.Errorf("bad step in %q", expr)
		}
		star = star && step == 1
	}
	if start < spec.min || end > spec.max || start > end {
		return 0, false, fmt.Errorf("range out of bounds in %q", expr)
	}
	var bits uint64
	for i := start; i <= end; i += step {
		bits |= 1 << uint(i)
	}
	return bits, star, nil
}

func value(s string, names map[string]int) (int, error) {
	if v, ok := names[strings.ToLower(s)]; ok {
		return v, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("failed to parse int from %s: %w", s, err)
	}
	return n, nil
}

// cronSchedule is a parsed five-field expression.
type cronSchedule struct {
	minute, hour, dom, month, dow uint64
	domStar, dowStar              bool
	loc                           *time.Location
}

// searchLimit bounds the search for impossible dates (30 February).
const searchLimit = 5 * 366 * 24 * time.Hour

// Next walks forward field by field in the schedule's zone. Days are
// entered at local midnight and hours and minutes are stepped in absolute
// time, so a wall time skipped when clocks spring forward never fires and
// one repeated when they fall back fires in each of its occurrences.
func (s *cronSchedule) Next(after time.Time) time.Time {
	t := after.In(s.loc).Truncate(time.Minute).Add(time.Minute)
	limit := t.Add(searchLimit)
	for t.Before(limit) {
		switch {
		case s.month&(1<<uint(t.Month())) == 0:
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, s.loc)
		case !s.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, s.loc)
		case s.hour&(1<<uint(t.Hour())) == 0:
			t = t.Add(time.Duration(60-t.Minute()) * time.Minute)
		case s.minute&(1<<uint(t.Minute())) == 0:
			t = t.Add(time.Minute)
		default:
			return t
		}
	}
	return time.Time{}
}

// dayMatches: when both day fields are restricted a day matching either
// is taken (standard cron); otherwise both must match.
func (s *cronSchedule) dayMatches(t time.Time) bool {
	dom := s.dom&(1<<uint(t.Day())) != 0
	dow := s.dow&(1<<uint(t.Weekday())) != 0
	if s.domStar || s.dowStar {
		return dom && dow
	}
	return dom || dow
}

// everySchedule is "@every <duration>": a fixed period.
type everySchedule struct{ period time.Duration }

func (e everySchedule) Next(t time.Time) time.Time {
	return t.Truncate(time.Second).Add(e.period)
}
