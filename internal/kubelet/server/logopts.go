package server

import (
	"net/url"
	"strconv"
	"time"
)

// logOptions are the query parameters of /containerLogs (the fields of
// corev1.PodLogOptions that reach the node).
type logOptions struct {
	follow     bool
	previous   bool
	timestamps bool
	tailLines  int64 // -1: all
	since      time.Time
	limitBytes int64 // 0: no limit
}

func parseLogOptions(q url.Values, now time.Time) (logOptions, error) {
	o := logOptions{tailLines: -1}
	var err error
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"follow", &o.follow}, {"previous", &o.previous}, {"timestamps", &o.timestamps}} {
		if *b.dst, err = boolParam(q, b.name); err != nil {
			return o, err
		}
	}
	if v := q.Get("tailLines"); v != "" {
		if o.tailLines, err = strconv.ParseInt(v, 10, 64); err != nil || o.tailLines < 0 {
			return o, badRequest("tailLines must be a non-negative integer, not %q", v)
		}
	}
	if v := q.Get("limitBytes"); v != "" {
		if o.limitBytes, err = strconv.ParseInt(v, 10, 64); err != nil || o.limitBytes <= 0 {
			return o, badRequest("limitBytes must be a positive integer, not %q", v)
		}
	}
	return o, parseSince(q, now, &o)
}

func parseSince(q url.Values, now time.Time, o *logOptions) error {
	secs, ts := q.Get("sinceSeconds"), q.Get("sinceTime")
	switch {
	case secs != "" && ts != "":
		return badRequest("at most one of sinceTime or sinceSeconds may be specified")
	case secs != "":
		n, err := strconv.ParseInt(secs, 10, 64)
		if err != nil || n <= 0 {
			return badRequest("sinceSeconds must be a positive integer, not %q", secs)
		}
		o.since = now.Add(-time.Duration(n) * time.Second)
	case ts != "":
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return badRequest("sinceTime must be an RFC3339 time, not %q", ts)
		}
		o.since = t
	}
	return nil
}

// boolParam accepts what Kubernetes' query decoding accepts ("true", "1", ...).
func boolParam(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("%s must be a boolean, not %q", name, v)
	}
	return b, nil
}
