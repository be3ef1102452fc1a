package batch

import (
	"strings"
	"testing"
)

func TestCheckSchedule(t *testing.T) {
	valid := []string{
		"* * * * *", "*/5 * * * *", "0 0 1 1 *", "0 9-17 * * mon-fri", "15,45 */2 1-31/2 JAN,jul ?",
		"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually", "@every 1h30m",
		"0 0 * * 0", "59 23 31 12 6", "TZ=UTC 0 * * * *", "  0 * * * *  ",
	}
	for _, s := range valid {
		if err := checkSchedule(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	invalid := map[string]string{
		"":                          "empty spec string",
		"* * * *":                   "expected exactly 5 fields, found 4",
		"* * * * * *":               "expected exactly 5 fields, found 6",
		"60 * * * *":                "above maximum (59)",
		"* 24 * * *":                "above maximum (23)",
		"* * 0 * *":                 "below minimum (1)",
		"* * * 13 *":                "above maximum (12)",
		"* * * * 7":                 "above maximum (6)",
		"5-1 * * * *":               "beyond end of range",
		"*/0 * * * *":               "step of range should be a positive number",
		"1-2-3 * * * *":             "too many hyphens",
		"*/2/3 * * * *":             "too many slashes",
		"x * * * *":                 "failed to parse int from x",
		"* * * foo *":               "failed to parse int from foo",
		"@often":                    "unrecognized descriptor",
		"@every forever":            "failed to parse duration",
		"TZ=Nowhere/Here 0 * * * *": "provided bad location",
	}
	for s, want := range invalid {
		err := checkSchedule(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to contain %q", s, err, want)
		}
	}
}
