package cli

import (
	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/version"
)

// newVersionCmd is `localgpt version`, the subcommand people type before
// they think of --version; both print the same line. It needs no
// configuration, so it works before the first run and creates nothing.
func newVersionCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Long: `Print which build of localgpt this is: the release version, the commit it
was built from and when, the Go version and the platform (the same line as
--version). Quote it in bug reports. A build that recorded no commit (go run,
or go build without Go's VCS stamping) leaves commit, date and modified out.`,
		Example: `  localgpt version
  localgpt version --json | jq -r .version`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := version.Get()
			if asJSON {
				return writeJSON(a.stdout, info)
			}
			printf(a.stdout, "localgpt version %s\n", info.Long())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print {version, commit, date, modified, go, platform} as JSON")
	return cmd
}
