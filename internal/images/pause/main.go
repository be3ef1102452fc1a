// Command pause is the process that holds a pod's namespaces open, as the
// Kubernetes pause container does: it sleeps until told to stop, exits 0 on
// SIGINT or SIGTERM, and, being PID 1 of a pod that shares its PID
// namespace, reaps the zombies re-parented to it.
//
// It uses only the standard library so that it builds from this one file,
// statically (CGO_ENABLED=0), with no module download.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	if len(os.Args) > 1 && os.Args[1] == "--notify-ready" {
		// Lets a caller (the tests) know that a signal from now on is handled
		// here; one sent earlier would meet the runtime's default action.
		_, _ = os.Stdout.WriteString("ready\n")
	}
	for sig := range signals {
		if sig == syscall.SIGCHLD {
			reap()
			continue
		}
		os.Exit(0)
	}
}

// reap collects every exited child; one SIGCHLD may stand for several.
func reap() {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}
