package server_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/server/streamtest"
)

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestLogs(t *testing.T) {
	f := newFixture(t)
	_, path := f.container(t, "web", "app", 0)
	base := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	at := func(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }
	appendFile(t, path, streamtest.CRILine(at(0), "stdout", "F", "line1")+
		streamtest.CRILine(at(1), "stderr", "F", "line2")+
		streamtest.CRILine(at(2), "stdout", "P", "par")+
		streamtest.CRILine(at(3), "stdout", "F", "tial")+
		streamtest.CRILine(at(4), "stdout", "F", "line4"))
	c := f.client(t, "system:apiserver")
	cases := []struct {
		query    string
		wantCode int
		want     string
	}{
		{"", 200, "line1\nline2\npartial\nline4\n"},
		{"tailLines=2", 200, "partial\nline4\n"},
		{"tailLines=0", 200, ""},
		{"tailLines=10", 200, "line1\nline2\npartial\nline4\n"},
		{"sinceTime=" + url.QueryEscape(at(2).Format(time.RFC3339)), 200, "partial\nline4\n"},
		{"sinceTime=" + url.QueryEscape(at(2).Format(time.RFC3339)) + "&tailLines=1", 200, "line4\n"},
		{"sinceSeconds=1", 200, ""}, // every entry is far older than a second
		{"timestamps=true&tailLines=1", 200, at(4).Format(time.RFC3339Nano) + " line4\n"},
		{"limitBytes=8", 200, "line1\nli"},
		{"tailLines=-1", 400, ""},
		{"sinceSeconds=1&sinceTime=2026-01-01T00:00:00Z", 400, ""},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			code, body := get(t, c, f.url+"/containerLogs/default/web/app?"+tc.query)
			if code != tc.wantCode {
				t.Fatalf("status %d, want %d (%s)", code, tc.wantCode, body)
			}
			if code == 200 && body != tc.want {
				t.Errorf("body %q, want %q", body, tc.want)
			}
		})
	}
}

func TestLogsPrevious(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old, oldPath := f.container(t, "web", "app", 0)
	appendFile(t, oldPath, streamtest.CRILine(time.Now(), "stdout", "F", "old"))
	c := f.client(t, "system:apiserver")
	if code, body := get(t, c, f.url+"/containerLogs/default/web/app?previous=true"); code != 400 {
		t.Fatalf("previous without a restart: status %d (%s), want 400", code, body)
	}
	if _, err := f.rt.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: old}); err != nil {
		t.Fatal(err)
	}
	_, newPath := f.container(t, "web", "app", 1)
	appendFile(t, newPath, streamtest.CRILine(time.Now(), "stdout", "F", "new"))
	for query, want := range map[string]string{"": "new\n", "previous=true": "old\n"} {
		if code, body := get(t, c, f.url+"/containerLogs/default/web/app?"+query); code != 200 || body != want {
			t.Errorf("%q: status %d body %q, want 200 %q", query, code, body, want)
		}
	}
	if code, _ := get(t, c, f.url+"/containerLogs/default/web/nope"); code != 400 {
		t.Errorf("unknown container: status %d, want 400", code)
	}
}

// TestLogsFollow follows a log through appends and a rotation and ends
// when the container stops.
func TestLogsFollow(t *testing.T) {
	f := newFixture(t)
	id, path := f.container(t, "web", "app", 0)
	appendFile(t, path, streamtest.CRILine(time.Now(), "stdout", "F", "first"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.url+"/containerLogs/default/web/app?follow=true", nil)
	resp, err := f.client(t, "system:apiserver").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	expectLine(t, r, "first")
	appendFile(t, path, streamtest.CRILine(time.Now(), "stdout", "P", "sec"))
	appendFile(t, path, streamtest.CRILine(time.Now(), "stdout", "F", "ond"))
	expectLine(t, r, "second")
	// Rotation: the old file moves away, a new one takes its name.
	appendFile(t, path, streamtest.CRILine(time.Now(), "stdout", "F", "last of old"))
	if err := os.Rename(path, path+".20260101"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, streamtest.CRILine(time.Now(), "stdout", "F", "third"))
	expectLine(t, r, "last of old")
	expectLine(t, r, "third")
	if _, err := f.rt.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: id}); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Fatalf("after the container stopped: %q, %v; want the stream to end", rest, err)
	}
}

func expectLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("reading %q: %v", want, err)
	}
	if got := strings.TrimSuffix(line, "\n"); got != want {
		t.Fatalf("line %q, want %q", got, want)
	}
}
