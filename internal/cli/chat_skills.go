package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/termmd"
)

// skillCommand runs /skills, or /NAME REQUEST for a skill NAME: one turn
// with the skill's instructions loaded. Chat's own commands come first;
// anything else is an unknown command.
func (c *chat) skillCommand(ctx context.Context, name, arg string) (bool, error) {
	if c.as.Skills == nil {
		return false, unknownCommand(name)
	}
	set, warnings := c.as.Skills.Load()
	if name == "/skills" {
		c.app.warnSkills(warnings)
		if len(set.List()) == 0 {
			fmt.Fprintln(c.app.stdout, "No skills yet: localgpt skills new NAME creates one.")
		}
		for _, k := range set.List() {
			fmt.Fprintf(c.app.stdout, "  /%-20s %s\n", termmd.Sanitize(k.Name),
				termmd.Sanitize(clip.Runes(strings.Join(strings.Fields(k.Description), " "), 100, "…")))
		}
		return false, nil
	}
	k, ok := set.Lookup(strings.TrimPrefix(name, "/"))
	if !ok {
		var names []string
		for _, k := range set.List() {
			names = append(names, k.Name)
		}
		return false, unknownCommand(name, names...)
	}
	body, err := k.Body()
	if err != nil {
		return false, fmt.Errorf("skill %s: %w", k.Name, err)
	}
	return false, c.turn(ctx, k.Message(body, arg))
}
