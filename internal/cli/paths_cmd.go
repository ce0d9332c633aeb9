package cli

import (
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newPathsCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "paths",
		Short: "Print every location LocalGPT uses",
		Long: `Print every location LocalGPT reads or writes, after LOCALGPT_HOME, -c and
the config's own path settings have been applied.`,
		Example: `  localgpt paths
  cd "$(localgpt paths --json | jq -r .workspace)"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			p := a.paths
			if asJSON {
				return writeJSON(a.stdout, p)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			for _, row := range [][2]string{
				{"home", p.Home}, {"config", p.ConfigFile}, {"workspace", p.Workspace},
				{"daily_logs", p.DailyLogs}, {"log_file", p.LogFile}, {"daemon_out", p.DaemonOut}, {"index", p.IndexDB},
				{"sessions", p.Sessions}, {"state", p.State},
			} {
				printf(tw, "%s\t%s\n", row[0], row[1])
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
