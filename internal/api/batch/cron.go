package batch

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// checkSchedule reports why a CronJob schedule is not a standard cron
// expression: five fields (minute hour day-of-month month day-of-week),
// or a macro such as @hourly or "@every 1h30m". It accepts what the
// CronJob controller schedules, with the same error wording users see
// from Kubernetes.
func checkSchedule(spec string) error {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return fmt.Errorf("empty spec string")
	}
	if rest, ok := cutTZ(spec); ok {
		name, expr, _ := strings.Cut(rest, " ")
		if _, err := time.LoadLocation(name); err != nil {
			return fmt.Errorf("provided bad location %s: %w", name, err)
		}
		spec = strings.TrimSpace(expr)
	}
	if strings.HasPrefix(spec, "@") {
		return checkDescriptor(spec)
	}
	fs := strings.Fields(spec)
	if len(fs) != 5 {
		return fmt.Errorf("expected exactly 5 fields, found %d: %s", len(fs), fs)
	}
	for i, f := range fs {
		if err := checkCronField(f, cronFields[i]); err != nil {
			return err
		}
	}
	return nil
}

func cutTZ(spec string) (string, bool) {
	for _, prefix := range []string{"TZ=", "CRON_TZ="} {
		if rest, ok := strings.CutPrefix(spec, prefix); ok {
			return rest, true
		}
	}
	return "", false
}

var descriptors = map[string]bool{
	"@yearly": true, "@annually": true, "@monthly": true, "@weekly": true,
	"@daily": true, "@midnight": true, "@hourly": true,
}

func checkDescriptor(spec string) error {
	if descriptors[spec] {
		return nil
	}
	if every, ok := strings.CutPrefix(spec, "@every "); ok {
		if _, err := time.ParseDuration(every); err != nil {
			return fmt.Errorf("failed to parse duration %s: %w", spec, err)
		}
		return nil
	}
	return fmt.Errorf("unrecognized descriptor: %s", spec)
}

// cronField is the range of one field and the names it accepts.
type cronField struct {
	min, max int
	names    map[string]int
}

var cronFields = [5]cronField{
	{min: 0, max: 59},
	{min: 0, max: 23},
	{min: 1, max: 31},
	{min: 1, max: 12, names: map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}},
	{min: 0, max: 6, names: map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}},
}

// checkCronField checks a comma-separated list of "*", "?", "a", "a-b",
// each optionally followed by "/step".
func checkCronField(f string, bounds cronField) error {
	for _, expr := range strings.Split(f, ",") {
		if err := checkCronRange(expr, bounds); err != nil {
			return err
		}
	}
	return nil
}

func checkCronRange(expr string, b cronField) error {
	rangeAndStep := strings.Split(expr, "/")
	if len(rangeAndStep) > 2 {
		return fmt.Errorf("too many slashes: %s", expr)
	}
	lowHigh := strings.Split(rangeAndStep[0], "-")
	if len(lowHigh) > 2 {
		return fmt.Errorf("too many hyphens: %s", expr)
	}
	start, end := b.min, b.max
	if lowHigh[0] != "*" && lowHigh[0] != "?" {
		var err error
		if start, err = cronValue(lowHigh[0], b.names); err != nil {
			return err
		}
		end = start
		if len(lowHigh) == 2 {
			if end, err = cronValue(lowHigh[1], b.names); err != nil {
				return err
			}
		}
	} else if len(lowHigh) == 2 {
		return fmt.Errorf("too many hyphens: %s", expr)
	}
	if len(rangeAndStep) == 2 {
		step, err := cronNumber(rangeAndStep[1])
		if err != nil {
			return err
		}
		if step <= 0 {
			return fmt.Errorf("step of range should be a positive number: %s", expr)
		}
	}
	switch {
	case start < b.min:
		return fmt.Errorf("beginning of range (%d) below minimum (%d): %s", start, b.min, expr)
	case end > b.max:
		return fmt.Errorf("end of range (%d) above maximum (%d): %s", end, b.max, expr)
	case start > end:
		return fmt.Errorf("beginning of range (%d) beyond end of range (%d): %s", start, end, expr)
	}
	return nil
}

func cronValue(s string, names map[string]int) (int, error) {
	if v, ok := names[strings.ToLower(s)]; ok {
		return v, nil
	}
	return cronNumber(s)
}

func cronNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("failed to parse int from %s: %w", s, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("negative number (%d) not allowed: %s", n, s)
	}
	return n, nil
}
