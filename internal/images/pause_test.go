package images

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// buildPauseOnce builds pause once per test binary run: compiling costs
// seconds on these machines.
var pauseBuilt struct {
	path string
	err  error
	done bool
}

func testPause(t *testing.T) string {
	t.Helper()
	if !pauseBuilt.done {
		pauseBuilt.done = true
		pauseBuilt.path, pauseBuilt.err = BuildPause(context.Background(), goBinary(t), filepath.Join(os.TempDir(), "rudder-images-test-"+strconv.Itoa(os.Getpid())))
	}
	if pauseBuilt.err != nil {
		t.Fatal(pauseBuilt.err)
	}
	return pauseBuilt.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	os.RemoveAll(filepath.Join(os.TempDir(), "rudder-images-test-"+strconv.Itoa(os.Getpid())))
	os.Exit(code)
}

func goBinary(t *testing.T) string {
	t.Helper()
	g, err := findGo()
	if err != nil {
		t.Skip(err)
	}
	return g
}

func TestBuildPauseIsReproducibleAndCached(t *testing.T) {
	first := testPause(t)
	otherDir := t.TempDir()
	second, err := BuildPause(context.Background(), goBinary(t), otherDir)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(first)
	b, _ := os.ReadFile(second)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("two builds differ (%d and %d bytes)", len(a), len(b))
	}
	// A third build in the same dir reuses the binary instead of relinking.
	before, _ := os.Stat(second)
	again, err := BuildPause(context.Background(), goBinary(t), otherDir)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(again)
	if !os.SameFile(before, after) {
		t.Error("cached pause binary was rebuilt")
	}
}

func TestPauseExitsZeroOnSignal(t *testing.T) {
	bin := testPause(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := startPause(t, bin)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("pause ended with %v, want exit status 0", err)
			}
		})
	}
}

func TestPauseKeepsRunningWithoutSignal(t *testing.T) {
	bin := testPause(t)
	cmd := startPause(t, bin)
	// SIGCHLD with no child to reap must not end it.
	if err := cmd.Process.Signal(syscall.SIGCHLD); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("pause ended with %v after SIGCHLD then SIGTERM", err)
	}
}

// startPause runs pause and waits for it to say its handlers are installed:
// a signal sent earlier would meet the Go runtime's default action.
func startPause(t *testing.T, bin string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "--notify-ready")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("pause did not report ready: %q, %v", line, err)
	}
	return cmd
}

func TestPauseImageIsReproducible(t *testing.T) {
	bin := testPause(t)
	a, err := BuildPauseImage(bin)
	if err != nil {
		t.Fatal(err)
	}
	b, err := BuildPauseImage(bin)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Errorf("digests differ: %s and %s", da, db)
	}
	cf, _ := a.ConfigFile()
	if cf.OS != "linux" || cf.Architecture != "amd64" || cf.Config.Entrypoint[0] != "/pause" {
		t.Errorf("config = %s/%s entrypoint %v", cf.OS, cf.Architecture, cf.Config.Entrypoint)
	}
}
