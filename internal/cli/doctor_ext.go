package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/localgpt-go/localgpt/internal/mcpclient"
)

// skillsCheck counts the skills and reports the first that cannot load.
func (a *app) skillsCheck() check {
	set, warnings := a.root.Skills().Load()
	if len(warnings) > 0 {
		err := fmt.Errorf("%s; first: %s (localgpt skills list shows all)", count(len(warnings), "problem", "problems"), warnings[0])
		return check{Name: "skills", Detail: err.Error(), err: err}
	}
	return check{Name: "skills", OK: true, Detail: count(len(set.List()), "skill", "skills")}
}

// mcpChecks starts each MCP server and says whether it came up.
func (a *app) mcpChecks(ctx context.Context) []check {
	m := a.root.MCP()
	if m == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var out []check
	for _, st := range m.Status(ctx) {
		name := "mcp " + st.Name
		if st.State != mcpclient.Running {
			err := errors.New(st.Error)
			out = append(out, check{Name: name, Detail: st.Error, err: err})
			continue
		}
		detail := fmt.Sprintf("started in %d ms, %s", st.StartMS, count(len(st.Tools), "tool", "tools"))
		bad := 0
		for _, t := range st.Tools {
			if t.Problem != "" {
				bad++
			}
		}
		if bad > 0 {
			detail += fmt.Sprintf(", %d not offered (localgpt mcp list says why)", bad)
		}
		out = append(out, check{Name: name, OK: true, Detail: detail})
	}
	return out
}
