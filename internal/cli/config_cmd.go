package cli

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/config"
)

func newConfigCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Create, show and change the configuration",
		Long: `Create, show and change config.toml.

Keys are dotted, as in the file: agent.default_model, providers.openai.api_key,
heartbeat.active_hours.start. Secrets are always shown masked.`,
	}
	cmd.AddCommand(newConfigInitCmd(a), newConfigShowCmd(a), newConfigGetCmd(a),
		newConfigSetCmd(a), newConfigPathCmd(a), newConfigValidateCmd(a))
	return cmd
}

func newConfigInitCmd(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented config.toml and create the workspace",
		Long: `Write a commented config.toml with every default, and create the workspace
(MEMORY.md, HEARTBEAT.md, SOUL.md, memory/) and logs folder. Existing files are
left as they are; --force replaces config.toml and keeps the old one as
config.toml.bak (.bak.1, .bak.2, … when taken; earlier backups are never
overwritten, and an unedited template is not backed up).`,
		Example: `  localgpt config init
  localgpt -c ~/work/localgpt.toml config init
  localgpt config init --force`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, file, err := a.configFile()
			if err != nil {
				return err
			}
			wrote, backedUp, err := config.Init(file, force)
			if err != nil {
				return err
			}
			if wrote {
				printf(a.stdout, "Wrote %s\n", file)
				if backedUp != "" {
					printf(a.stdout, "The old one is kept as %s\n", backedUp)
				}
			} else {
				printf(a.stdout, "%s already exists; left unchanged (--force replaces it and keeps a .bak)\n", file)
			}
			a.configFlag = file // from here on, load exactly that file
			if err := a.setup(); err != nil {
				return err
			}
			printf(a.stdout, "Workspace: %s\n", a.paths.Workspace)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing config.toml (the old one is kept as config.toml.bak, or .bak.N if taken)")
	return cmd
}

func newConfigShowCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration, secrets masked",
		Long: `Print the configuration LocalGPT uses: the file with defaults filled in,
${VAR} references expanded and environment fallbacks applied. Secrets are masked.`,
		Example: `  localgpt config show
  localgpt config show --json | jq .heartbeat`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			masked := a.cfg.Masked()
			if asJSON {
				return writeJSON(a.stdout, masked)
			}
			out, err := toml.Marshal(masked)
			if err != nil {
				return err
			}
			printf(a.stdout, "# effective configuration from %s\n\n%s", a.paths.ConfigFile, out)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func newConfigGetCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:               "get KEY",
		Short:             "Print one value (or section) of the effective configuration",
		Example:           "  localgpt config get agent.default_model\n  localgpt config get heartbeat",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeKeys(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			v, err := a.cfg.Masked().Value(args[0])
			if err != nil {
				return &config.Error{File: a.paths.ConfigFile, Msg: err.Error()}
			}
			if asJSON {
				return writeJSON(a.stdout, v)
			}
			return printValue(a, args[0], v)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// printValue prints a scalar as is and a list or section as TOML, a
// section under its own header ([heartbeat], [heartbeat.active_hours]) so
// that it can be pasted into config.toml as printed.
func printValue(a *app, key string, v any) error {
	if v == nil { // an optional section that is not set
		printf(a.stderr, "localgpt: %s is not set\n", key)
		return nil
	}
	if tm, ok := v.(encoding.TextMarshaler); ok { // a duration: "30m"
		text, err := tm.MarshalText()
		if err != nil {
			return err
		}
		printf(a.stdout, "%s\n", string(text))
		return nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Struct, reflect.Pointer, reflect.Map:
		var doc any = v
		parts := strings.Split(key, ".")
		for i := len(parts) - 1; i >= 0; i-- {
			doc = map[string]any{parts[i]: doc}
		}
		out, err := toml.Marshal(doc)
		if err != nil {
			return err
		}
		printf(a.stdout, "%s", string(out))
		return nil
	case reflect.Slice:
		printf(a.stdout, "%s\n", config.FormatValue(v))
		return nil
	}
	printf(a.stdout, "%v\n", v)
	return nil
}

func newConfigSetCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "set KEY VALUE",
		Short: "Change one value in config.toml, keeping everything else",
		Long: `Change one value in config.toml. The value is checked against the key's type
and the whole file is validated before it is replaced atomically; comments and
the other keys stay as they were. Lists take commas (bash,web_fetch) or a TOML
array; heartbeat.active_hours takes an inline table.`,
		Example: `  localgpt config set agent.default_model claude-sonnet-4-5
  localgpt config set heartbeat.interval 1h
  localgpt config set tools.require_approval bash,write_file
  localgpt config set heartbeat.active_hours '{ start = "09:00", end = "22:00" }'`,
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: a.completeSet,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, file, err := a.configFile()
			if err != nil {
				return err
			}
			key, value := args[0], args[1]
			if err := config.Set(file, key, value, a.getenv); err != nil {
				return err
			}
			switch {
			case value == "": // "Set KEY =  in" would read as a slip
				value = `""`
			case config.IsSecret(key) && !config.IsEnvReference(value):
				value = config.MaskSecret(value)
			}
			printf(a.stdout, "Set %s = %s in %s\n", key, value, file)
			return nil
		},
	}
}

func newConfigValidateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check config.toml without changing or contacting anything",
		Long: `Check the config file in use (or the one -c names) as every command reads
it: its TOML, each key's type and value, and ${VAR} references. Unknown keys
and unset variables are warnings on stderr. Nothing is created and no
provider is asked: 'localgpt doctor' checks the providers and the workspace
too.

Exit code 0 when the file is valid (with warnings or not), 2 when it is not.`,
		Example: `  localgpt config validate
  localgpt -c ./team.toml config validate`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, file, err := a.configFile()
			if err != nil {
				return err
			}
			_, warnings, err := config.LoadFile(file, a.getenv)
			if err != nil {
				return err
			}
			for _, w := range warnings {
				printf(a.stderr, "localgpt: warning: %s\n", w)
			}
			if len(warnings) > 0 {
				printf(a.stdout, "%s is valid, with %s\n", file, count(len(warnings), "warning", "warnings"))
				return nil
			}
			printf(a.stdout, "%s is valid\n", file)
			return nil
		},
	}
}

func newConfigPathCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "path",
		Short: "Print the path of the config file in use",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, file, err := a.configFile()
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, file)
			return nil
		},
	}
}

// completeSet offers config keys for KEY, and for VALUE what the key
// takes when that is a short list: true or false, or the models -m takes.
func (a *app) completeSet(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) != 1 {
		return completeKeys(1)(cmd, args, prefix)
	}
	switch k, _ := config.LookupKey(args[0]); {
	case k.Type != nil && k.Type.Kind() == reflect.Bool:
		return cobra.FixedCompletions([]cobra.Completion{"true", "false"}, cobra.ShellCompDirectiveNoFileComp)(cmd, args, prefix)
	case k.Name == "agent.default_model" || k.Name == "heartbeat.model":
		return a.completeModels(cmd, args, prefix)
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// completeKeys offers config keys for the first argument in shell completion.
func completeKeys(n int) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) >= n {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, k := range config.Keys() {
			if strings.HasPrefix(k.Name, prefix) {
				out = append(out, k.Name)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
