package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// startupMerge adds the runtime's marks (keyed by pod UID) to the client's
// timelines (keyed by pod name).
func startupMerge(pods map[string]startupMarks, rt map[string]startupMarks) []startupMarks {
	out := make([]startupMarks, 0, len(pods))
	for _, m := range pods {
		r := rt[m.uid]
		m.sandbox, m.ctrCreated, m.ctrStarted = r.sandbox, r.ctrCreated, r.ctrStarted
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].sent.Before(out[j].sent) })
	return out
}

// startupStage is one milestone of the timeline, measured from the create
// request (client clock; CRI stamps share the machine's clock).
type startupStage struct {
	name string
	at   func(m startupMarks) time.Time
}

var startupStages = []startupStage{
	{"acked", func(m startupMarks) time.Time { return m.acked }},
	{"bound", func(m startupMarks) time.Time { return m.bound }},
	{"sandbox", func(m startupMarks) time.Time { return m.sandbox }},
	{"ctr-created", func(m startupMarks) time.Time { return m.ctrCreated }},
	{"ctr-started", func(m startupMarks) time.Time { return m.ctrStarted }},
	{"running", func(m startupMarks) time.Time { return m.running }},
	{"ready", func(m startupMarks) time.Time { return m.ready }},
}

// startupSince collects at(m) - from(m) over pods having both marks.
func startupSince(pods []startupMarks, from, at func(startupMarks) time.Time) []time.Duration {
	var out []time.Duration
	for _, m := range pods {
		if a, f := at(m), from(m); !a.IsZero() && !f.IsZero() {
			out = append(out, a.Sub(f))
		}
	}
	return out
}

func startupSent(m startupMarks) time.Time { return m.sent }

// startupReport reports the headline figures as metrics and logs the
// per-stage breakdown that says where the time goes.
func startupReport(b *testing.B, pods []startupMarks, before, after startupUsage, wall time.Duration) {
	running := startupSince(pods, startupSent, func(m startupMarks) time.Time { return m.running })
	ready := startupSince(pods, startupSent, func(m startupMarks) time.Time { return m.ready })
	reportLatency(b, "running-", running)
	reportLatency(b, "ready-", ready)
	// Server side: whole seconds on both ends (RFC 3339 timestamps).
	srvRun := startupSince(pods, func(m startupMarks) time.Time { return m.created }, func(m startupMarks) time.Time { return m.started })
	srvReady := startupSince(pods, func(m startupMarks) time.Time { return m.created }, func(m startupMarks) time.Time { return m.ready2 })
	b.ReportMetric(percentile(srvRun, 50).Seconds(), "srv-running-p50-s")
	b.ReportMetric(percentile(srvRun, 99).Seconds(), "srv-running-p99-s")
	b.ReportMetric(percentile(srvReady, 50).Seconds(), "srv-ready-p50-s")
	b.ReportMetric(percentile(srvReady, 99).Seconds(), "srv-ready-p99-s")
	b.ReportMetric(ms(wall), "all-ready-ms")
	b.ReportMetric((after.serverCPU - before.serverCPU).Seconds(), "server-cpu-s")
	b.ReportMetric(after.serverRSSMiB, "server-rss-MiB")
	b.ReportMetric((after.runtimeCPU - before.runtimeCPU).Seconds(), "containerd+shims-cpu-s")
	b.ReportMetric(after.runtimeRSS, "containerd+shims-rss-MiB")
	b.ReportMetric(after.runtimePSS, "containerd+shims-pss-MiB")
	detail := fmt.Sprintf("server RSS %.0f → %.0f MiB; containerd+%d shims RSS %.0f → %.0f MiB, PSS %.0f → %.0f MiB (%d shims before)\n",
		before.serverRSSMiB, after.serverRSSMiB, after.shims, before.runtimeRSS, after.runtimeRSS,
		before.runtimePSS, after.runtimePSS, before.shims) +
		"stages, cumulative from the create request, then step by step (ms):\n" + startupBreakdown(pods) +
		"slowest pods (ms from their create request):\n" + startupSlowest(pods, 3)
	startupKeep(b, detail)
}

// startupKeep logs the detail and, because the testing package trims a
// benchmark's log to a few lines, also writes it to
// $RUDDER_STARTUP_LOG_DIR/<benchmark name>.txt when that is set.
func startupKeep(b *testing.B, detail string) {
	b.Log(detail)
	dir := os.Getenv("RUDDER_STARTUP_LOG_DIR")
	if dir == "" {
		return
	}
	name := strings.NewReplacer("/", "_", "=", "-").Replace(b.Name()) + ".txt"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(detail), 0o644); err != nil {
		b.Errorf("keeping the detail: %v", err)
	}
}

// startupBreakdown tabulates p50/p99/max of each cumulative stage and of
// each step between consecutive stages.
func startupBreakdown(pods []startupMarks) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-26s %8s %8s %8s\n", "stage", "p50", "p99", "max")
	row := func(name string, d []time.Duration) {
		fmt.Fprintf(&sb, "%-26s %8.0f %8.0f %8.0f\n", name, ms(percentile(d, 50)), ms(percentile(d, 99)), ms(percentile(d, 100)))
	}
	for _, s := range startupStages {
		row("sent → "+s.name, startupSince(pods, startupSent, s.at))
	}
	for i := 1; i < len(startupStages); i++ {
		prev, cur := startupStages[i-1], startupStages[i]
		if prev.name == "acked" {
			prev = startupStage{"sent", startupSent}
		}
		row(prev.name+" → "+cur.name, startupSince(pods, prev.at, cur.at))
	}
	return sb.String()
}

// startupSlowest prints the full timelines of the n pods slowest to Ready.
func startupSlowest(pods []startupMarks, n int) string {
	sorted := append([]startupMarks(nil), pods...)
	sort.Slice(sorted, func(i, j int) bool {
		return sorted[i].ready.Sub(sorted[i].sent) > sorted[j].ready.Sub(sorted[j].sent)
	})
	var sb strings.Builder
	for _, m := range sorted[:min(n, len(sorted))] {
		fmt.Fprintf(&sb, "  sent at +%.0f:", ms(m.sent.Sub(pods[0].sent)))
		for _, s := range startupStages {
			if t := s.at(m); !t.IsZero() {
				fmt.Fprintf(&sb, " %s %.0f", s.name, ms(t.Sub(m.sent)))
			}
		}
		sb.WriteString("\n")
	}
	return sb.String()
}
