package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/fuzzy"
	"github.com/localgpt-go/localgpt/internal/skills"
	"github.com/localgpt-go/localgpt/internal/termmd"
)

func newSkillsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "skills",
		Short: "List, show and create Agent Skills",
		Long: `Skills are folders of instructions for particular tasks, in the Agent Skills
format: a SKILL.md with YAML front matter (name, description) and markdown
instructions, and any files beside it. LocalGPT finds them in the
workspace's skills/ folder and in the folders of skills.paths (another
agent's skills folder works as it is).

The model sees each skill's name and description and reads a skill's
instructions when a request calls for it; in chat, /NAME REQUEST runs a turn
with that skill loaded. See docs/skills.md.`,
	}
	cmd.AddCommand(newSkillsListCmd(a), newSkillsShowCmd(a), newSkillsNewCmd(a))
	return cmd
}

// loadSkills scans the skill folders, printing a warning for each problem.
func (a *app) loadSkills() (*skills.Set, []skills.Warning, error) {
	if err := a.setup(); err != nil {
		return nil, nil, err
	}
	set, warnings := a.root.Skills().Load()
	a.warnSkills(warnings)
	return set, warnings, nil
}

// warnSkills prints skill problems on stderr.
func (a *app) warnSkills(warnings []skills.Warning) {
	for _, w := range warnings {
		fmt.Fprintf(a.stderr, "localgpt: warning: skill %s\n", w)
	}
}

// skillItem is a skill as skills list --json and skills show --json print it.
type skillItem struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Dir         string   `json:"dir"`
	File        string   `json:"file"`
	License     string   `json:"license,omitempty"`
	Tools       []string `json:"allowed_tools,omitempty"`
}

func newSkillItem(k *skills.Skill) skillItem {
	return skillItem{k.Name, k.Description, k.Dir, k.File, k.Meta.License, k.Meta.AllowedTools}
}

func newSkillsListCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the skills",
		Long: `List every skill found: its name, description and folder, in name order.
Skills that cannot be loaded are reported on stderr with the file and what
to fix; the others are listed regardless.`,
		Example: `  localgpt skills list
  localgpt skills list --json | jq -r '.[].name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, warnings, err := a.loadSkills()
			if err != nil {
				return err
			}
			if asJSON {
				out := []skillItem{}
				for _, k := range set.List() {
					out = append(out, newSkillItem(k))
				}
				return writeJSON(a.stdout, out)
			}
			switch {
			case len(set.List()) == 0 && len(warnings) > 0:
				fmt.Fprintln(a.stdout, "No skill could be loaded; fix what the warnings above say.")
				return nil
			case len(set.List()) == 0:
				fmt.Fprintf(a.stdout, "No skills yet. Create one with: localgpt skills new NAME (in %s)\n", assistant.SkillsDir(a.paths))
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			for _, k := range set.List() {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", termmd.Sanitize(k.Name), termmd.Sanitize(clip.Runes(strings.Join(strings.Fields(k.Description), " "), 80, "…")), k.Dir)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// maxSkillFilesShown bounds the files skills show lists beside SKILL.md.
const maxSkillFilesShown = 200

func newSkillsShowCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a skill's file and the files beside it",
		Long: `Print the path of a skill's SKILL.md, the files beside it (what its
instructions may send the model to read) and the file itself, front matter
included: what the model reads when it uses the skill. With --json:
{name, description, dir, file, files, license, allowed_tools, content}.`,
		Example: `  localgpt skills show weekly-review
  localgpt skills show weekly-review --json | jq -r .content`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeSkills,
		RunE: func(cmd *cobra.Command, args []string) error {
			set, warnings, err := a.loadSkills()
			if err != nil {
				return err
			}
			k, ok := set.Lookup(args[0])
			if !ok {
				return unknownSkill(args[0], set, warnings)
			}
			data, err := os.ReadFile(k.File)
			if err != nil {
				return fmt.Errorf("read skill %s: %w", k.Name, err)
			}
			files := k.Files(maxSkillFilesShown)
			if asJSON {
				return writeJSON(a.stdout, struct {
					skillItem
					Files   []string `json:"files"`
					Content string   `json:"content"`
				}{newSkillItem(k), append([]string{}, files...), string(data)})
			}
			fmt.Fprintf(a.stdout, "# %s\n", k.File)
			if len(files) > 0 {
				fmt.Fprintf(a.stdout, "# files beside it: %s\n", termmd.Sanitize(strings.Join(files, ", ")))
			}
			_, err = fmt.Fprint(a.stdout, termmd.Sanitize(strings.TrimRight(string(data), "\n"))+"\n")
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON, with the file's content")
	return cmd
}

func newSkillsNewCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "new NAME",
		Short: "Create a skill from a commented template",
		Long: `Create workspace/skills/NAME/SKILL.md from a template whose comments explain
the format. NAME is 1 to 64 lowercase letters, digits and hyphens. An
existing skill is never overwritten.`,
		Example: `  localgpt skills new weekly-review`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			file, err := skills.Create(assistant.SkillsDir(a.paths), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Created %s\nEdit its description and steps; the model sees it from the next message on.\n", file)
			return nil
		},
	}
}

// unknownSkill is the error for a skill name that is not found: that it
// failed to load when its folder has that name (the warning said why),
// else the nearest name when one is close, else the names there are.
// Only a warning about a SKILL.md names a skill's folder: the others name
// a folder itself, whose parent is a skills folder, not a skill.
func unknownSkill(name string, set *skills.Set, warnings []skills.Warning) error {
	for _, w := range warnings {
		if filepath.Base(w.Path) == skills.FileName && filepath.Base(filepath.Dir(w.Path)) == name {
			return fmt.Errorf("skill %q cannot be loaded: fix %s as the warning above says", name, w.Path)
		}
	}
	names := set.Names()
	if len(names) == 0 && len(warnings) > 0 {
		return fmt.Errorf("there is no skill %q, and none of the skills there are could be loaded (see the warnings above)", name)
	}
	if len(names) == 0 {
		return fmt.Errorf("there is no skill %q, and no skills at all yet; create one with `localgpt skills new NAME`", name)
	}
	if near := fuzzy.Nearest(name, names, 1); len(near) > 0 {
		return fmt.Errorf("there is no skill %q; did you mean %q? (`localgpt skills list` shows them all)", name, near[0])
	}
	return fmt.Errorf("there is no skill %q; the skills are: %s", name, strings.Join(names, ", "))
}

// completeSkills offers the skill names for the first argument, each with
// its description.
func (a *app) completeSkills(_ *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 || !a.loaded() {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	set, _ := a.root.Skills().Load()
	var out []cobra.Completion
	for _, k := range set.List() {
		if strings.HasPrefix(k.Name, prefix) {
			out = append(out, cobra.CompletionWithDesc(k.Name, oneLine(k.Description, 60)))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
