// Command rudder is the single Rudder binary: one sub-command per
// component. Only wiring lives here.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"rudder/internal/allinone"
	"rudder/internal/gctune"
	"rudder/internal/server"
)

func main() {
	root := &cobra.Command{
		Use:           "rudder",
		Short:         "Rudder: a Kubernetes-compatible container orchestrator in one binary",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serverCommand("server", false), serverCommand("apiserver", true), imageCommand(), agentCommand(), schedulerCommand(), controllerManagerCommand())
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// serverCommand runs the control plane; apiOnly is `rudder apiserver`
// (no controllers, no agent).
func serverCommand(name string, apiOnly bool) *cobra.Command {
	opts := server.DefaultOptions()
	short := "Run the control plane and a node agent (a single-node cluster)"
	if apiOnly {
		short = "Run only the API server"
	}
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if apiOnly {
				opts.DisableAgent, opts.DisableControllers = true, true
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
			go gctune.Run(ctx, gctune.Default())
			s, err := allinone.Start(ctx, opts)
			if err != nil {
				return err
			}
			defer s.Close()
			fmt.Printf("Rudder API server ready at %s\nKubeconfig: %s\nJoin token: %s\n", s.URL, s.KubeconfigPath, s.JoinToken())
			<-ctx.Done()
			return nil
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}
