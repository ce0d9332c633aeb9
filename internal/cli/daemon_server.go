package cli

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/daemon"
	"github.com/localgpt-go/localgpt/internal/server"
	"github.com/localgpt-go/localgpt/internal/version"
)

// daemonComponents is what the daemon runs besides the heartbeat and the
// watcher: the HTTP server when server.enabled.
func (a *app) daemonComponents(root *assistant.Root) []daemon.Component {
	if !root.Config().Server.Enabled {
		return nil
	}
	return []daemon.Component{httpComponent{a: a, root: root, srv: &atomic.Pointer[server.Server]{}}}
}

// httpComponent builds the server when the daemon starts it, so that a
// refused configuration (a non-loopback bind without a token) stops the
// start with its message.
type httpComponent struct {
	a    *app
	root *assistant.Root
	srv  *atomic.Pointer[server.Server] // once Run built it
}

func (c httpComponent) Name() string { return "http" }

// InFlight implements daemon.Busy: the chat requests running.
func (c httpComponent) InFlight() int {
	if srv := c.srv.Load(); srv != nil {
		return srv.InFlight()
	}
	return 0
}

func (c httpComponent) Run(ctx context.Context, ready func(string)) error {
	o := serverOptions(c.root)
	o.Version = version.String()
	o.Grace = daemon.Grace(c.root.Config())
	o.NextHeartbeat = func() time.Time {
		st, err := daemon.ReadStatus(c.root.Config(), c.root.Paths(), time.Now())
		if err != nil {
			return time.Time{}
		}
		return st.Heartbeat.NextRun
	}
	srv, err := server.New(o)
	if err != nil {
		return err
	}
	c.srv.Store(srv)
	return srv.Run(ctx, ready)
}

// serverOptions translates the configuration of root into the server's
// options; its assistants and memory store are root's.
func serverOptions(root *assistant.Root) server.Options {
	cfg := root.Config()
	sc := cfg.Server
	return server.Options{
		Paths: root.Paths(), Bind: sc.Bind, Port: sc.Port, APIToken: sc.APIToken,
		RequestTimeout: sc.RequestTimeout.Duration, ChatTimeout: sc.ChatTimeout.Duration, MaxBodyBytes: sc.MaxBodyBytes,
		DefaultModel: cfg.Agent.DefaultModel, HeartbeatEnabled: cfg.Heartbeat.Enabled,
		Assistants: func(ctx context.Context, model string, noMemory bool) (*assistant.Assistant, error) {
			// No Approver: nobody can answer, so tools needing approval are
			// refused. The server's clients retry failed turns themselves.
			return root.Open(ctx, assistant.Options{Model: model, NoMemory: noMemory, ClientRetries: true})
		},
		Memory: root.Memory, Models: root.Models(), Log: root.Log(), Secrets: root.Secrets(),
	}
}
