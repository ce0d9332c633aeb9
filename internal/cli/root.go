package cli

import (
	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/version"
)

const rootLong = `LocalGPT is a local-only AI assistant with persistent markdown memory.

Everything it keeps lives under ~/.localgpt (or $LOCALGPT_HOME): config.toml,
the workspace of markdown notes, the search index, sessions and logs. Nothing
leaves this machine except requests to the LLM endpoints you configure.

Exit codes:
  0  success
  1  general error
  2  configuration error (invalid or incomplete config)
  3  provider error (an LLM provider failed or is unreachable);
     for 'daemon status': no daemon runs
  130 interrupted (Ctrl-C)

Environment:
  LOCALGPT_HOME      where LocalGPT keeps its files (default ~/.localgpt)
  OPENAI_API_KEY     used when providers.openai.api_key is empty
  ANTHROPIC_API_KEY  used when providers.anthropic.api_key is empty
  OLLAMA_HOST        used when providers.ollama.endpoint is not set
  LOCALGPT_API_TOKEN the HTTP API's token when server.api_token is empty
                     (otherwise one is made at the first start: localgpt daemon token)
  NO_COLOR           disables colour in terminal output`

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "localgpt",
		Short:         "A local-only AI assistant with persistent markdown memory",
		Long:          rootLong,
		Version:       version.Long(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	f := root.PersistentFlags()
	f.StringVarP(&a.configFlag, "config", "c", "", "config file (default $LOCALGPT_HOME/config.toml)")
	f.StringVarP(&a.modelFlag, "model", "m", "", "model to use instead of agent.default_model (a name localgpt models prints)")
	_ = root.RegisterFlagCompletionFunc("model", a.completeModels)
	f.BoolVarP(&a.verbose, "verbose", "v", false, "log debug detail, also to stderr")
	root.AddCommand(
		newConfigCmd(a),
		newPathsCmd(a),
		newSetupCmd(a), newModelsCmd(a), newDoctorCmd(a),
		newMemoryCmd(a),
		newAskCmd(a),
		newChatCmd(a),
		newSessionCmd(a),
		newDaemonCmd(a),
		newSkillsCmd(a),
		newMCPCmd(a),
		newVersionCmd(a),
	)
	return root
}
