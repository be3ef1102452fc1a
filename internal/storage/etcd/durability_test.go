package etcd

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"rudder/internal/storage"
)

const writerDirEnv = "RUDDER_ETCD_KILL_TEST_DIR"

// TestKillNineKeepsAcknowledgedWrites runs a child process that writes
// 100 objects and reports each acknowledgement, kills it with SIGKILL
// (no chance to flush anything), restarts etcd on its directory and
// checks that every acknowledged object is there.
func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	if os.Getenv(writerDirEnv) != "" {
		t.Skip("runs only as the parent")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDurableWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), writerDirEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	acked := 0
	scanner := bufio.NewScanner(stdout)
	for acked < 100 && scanner.Scan() {
		if strings.HasPrefix(scanner.Text(), "acked ") {
			acked++
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if acked != 100 {
		t.Fatalf("child acknowledged %d writes before it ended", acked)
	}

	e, err := StartEmbedded(testCtx(t), dir)
	if err != nil {
		t.Fatalf("restart after kill -9: %v", err)
	}
	defer e.Close()
	res, err := newCMStore(t, e).List(testCtx(t), cmPrefix, storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != acked {
		t.Fatalf("%d objects after kill -9, %d were acknowledged", len(res.Items), acked)
	}
}

// TestHelperDurableWriter is the child of the test above; it does nothing
// in a normal run.
func TestHelperDurableWriter(t *testing.T) {
	dir := os.Getenv(writerDirEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	e, err := StartEmbedded(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	s := newCMStore(t, e)
	for i := range 100 {
		name := fmt.Sprintf("k-%03d", i)
		if _, err := s.Create(context.Background(), cmKey(name), cm(name, nil)); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("acked %s\n", name)
	}
	// Wait to be killed; leave on our own should the parent be gone.
	time.Sleep(time.Minute)
	os.Exit(1)
}
