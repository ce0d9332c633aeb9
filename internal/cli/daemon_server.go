package cli

import (
	"context"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/daemon"
	"github.com/localgpt-go/localgpt/internal/server"
	"github.com/localgpt-go/localgpt/internal/version"
)

// daemonComponents is what the daemon runs besides the heartbeat and the
// watcher: the HTTP server when server.enabled.
func (a *app) daemonComponents(cfg *config.Config, paths config.Paths) []daemon.Component {
	if !cfg.Server.Enabled {
		return nil
	}
	return []daemon.Component{httpComponent{a: a, cfg: cfg, paths: paths}}
}

// httpComponent builds the server when the daemon starts it, so that a
// refused configuration (a non-loopback bind without a token) stops the
// start with its message.
type httpComponent struct {
	a     *app
	cfg   *config.Config
	paths config.Paths
}

func (c httpComponent) Name() string { return "http" }

func (c httpComponent) Run(ctx context.Context, ready func(string)) error {
	srv, err := server.New(server.Options{
		Config: c.cfg, Paths: c.paths, Log: c.a.log, Getenv: c.a.getenv, Version: version.String(), Secrets: c.a.secrets,
		NextHeartbeat: func() time.Time {
			st, err := daemon.ReadStatus(c.cfg, c.paths, time.Now())
			if err != nil {
				return time.Time{}
			}
			return st.Heartbeat.NextRun
		},
	})
	if err != nil {
		return err
	}
	return srv.Run(ctx, ready)
}
