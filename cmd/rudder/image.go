package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"rudder/internal/registry"
)

// defaultDataDir matches the server's default --data-dir.
const defaultDataDir = "/var/lib/rudder"

// imageCommand groups the image sub-commands: `rudder image import`.
func imageCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Manage the images of the cluster's built-in registry",
	}
	cmd.AddCommand(imageImportCommand())
	return cmd
}

// imageImportCommand writes straight into the registry directory; that is
// safe while the server runs, since the registry keeps no state in memory
// and every file appears by an atomic rename.
func imageImportCommand() *cobra.Command {
	dataDir := defaultDataDir
	cmd := &cobra.Command{
		Use:   "import FILE.tar|OCI-LAYOUT-DIR...",
		Short: "Import images from `docker save` archives or OCI layouts into the built-in registry",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := registry.New(filepath.Join(dataDir, "registry"))
			if err != nil {
				return err
			}
			for _, path := range args {
				refs, err := reg.Import(cmd.Context(), path)
				for _, ref := range refs {
					fmt.Fprintf(cmd.OutOrStdout(), "imported %s\n", ref)
				}
				if err != nil {
					return fmt.Errorf("import %s: %w", path, err)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", dataDir, "the server's data directory (images go to <data-dir>/registry)")
	return cmd
}
