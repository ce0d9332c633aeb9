package cli

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/llm/catalog"
	"github.com/localgpt-go/localgpt/internal/session"
)

// Shell completion of the names only LocalGPT knows: session IDs (with
// their titles), model names (as `models` prints them) and memory paths.
// A completion offers nothing before the first run (it never creates the
// home) or when the configuration cannot be loaded.

// loaded loads the configuration for a completion, if there is one.
func (a *app) loaded() bool {
	_, file, err := a.configFile()
	if err != nil {
		return false
	}
	if _, err := os.Stat(file); err != nil {
		return false
	}
	return a.setup() == nil
}

// completeTimeout bounds the model listings of one completion: a shell
// must not hang on a provider that does not answer.
const completeTimeout = 1500 * time.Millisecond

// maxCompletions bounds the memory paths offered.
const maxCompletions = 200

// completeSessions offers session IDs for the first argument (every
// argument when many is set), each with its title.
func (a *app) completeSessions(many bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if (len(args) > 0 && !many) || !a.loaded() {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		infos, _ := session.NewStore(a.paths.Sessions).List()
		var out []cobra.Completion
		for _, in := range infos {
			if strings.HasPrefix(in.ID, prefix) {
				out = append(out, cobra.CompletionWithDesc(in.ID, oneLine(in.Title, 60)))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	}
}

// completeModels offers the models of every configured provider, by the
// names -m takes.
func (a *app) completeModels(cmd *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if !a.loaded() {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), completeTimeout)
	defer cancel()
	c := catalog.New(a.cfg, catalog.Options{Provider: a.providerOptions(), Timeout: completeTimeout})
	ls := c.List(ctx)
	var out []cobra.Completion
	for _, l := range ls {
		for _, m := range l.Models {
			if name := catalog.Name(a.cfg, ls, m); strings.HasPrefix(name, prefix) {
				out = append(out, cobra.CompletionWithDesc(name, string(l.Provider)))
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeMemoryPaths offers the markdown files of the workspace for the
// first argument, relative to it, as memory search prints them.
func (a *app) completeMemoryPaths(_ *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 || !a.loaded() {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	root := a.paths.Workspace
	var out []cobra.Completion
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || len(out) >= maxCompletions {
			return filepath.SkipDir
		}
		if d.IsDir() && path != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".md") && strings.HasPrefix(rel, prefix) {
			out = append(out, rel)
		}
		return nil
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}
