package cli

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/apitoken"
	"github.com/localgpt-go/localgpt/internal/daemon"
)

// apiToken returns the token of the daemon's HTTP API (server.api_token,
// LOCALGPT_API_TOKEN or the one in the state folder), making one when
// there is none yet. It is masked like every other secret.
func (a *app) apiToken() (string, error) {
	tok, err := apitoken.Resolve(a.cfg.Server.APIToken, apitoken.Path(a.paths.State), true)
	if err != nil {
		return "", err
	}
	a.secrets.Add(tok)
	return tok, nil
}

// pageURL is the address of the web page: the one the running daemon
// serves on, or the configured one.
func (a *app) pageURL() string {
	if st, err := daemon.ReadStatus(a.cfg, a.paths, time.Now()); err == nil && st.Running && st.Servers["http"] != "" {
		return "http://" + st.Servers["http"]
	}
	host := a.cfg.Server.Bind
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(a.cfg.Server.Port))
}

// loginURL returns a one-time link that logs the web page in.
func (a *app) loginURL() (string, error) {
	if !a.cfg.Server.Enabled {
		return "", errors.New("the HTTP server is off (server.enabled = false); turn it on with `localgpt config set server.enabled true`")
	}
	tok, err := a.apiToken()
	if err != nil {
		return "", err
	}
	return a.pageURL() + "/login?code=" + apitoken.NewCode(tok, time.Now()), nil
}

// loginHint is the line daemon start and run print about the web page.
func loginHint(url string) string {
	return fmt.Sprintf("Web page: %s\n  (a one-time login link, valid %d minutes; `localgpt daemon login` prints a new one)", url, int(apitoken.CodeTTL.Minutes()))
}

func newDaemonTokenCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "token",
		Short: "Print the token of the daemon's HTTP API",
		Long: `Print the token every request to the daemon's HTTP API needs (but GET /health),
loopback included:

  curl -H "Authorization: Bearer $(localgpt daemon token)" http://127.0.0.1:31327/api/status

It is server.api_token (or LOCALGPT_API_TOKEN) when set; otherwise a random
token made on first use and kept in the state folder, readable by you alone.
OpenAI clients pass it as their API key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			tok, err := a.apiToken()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(a.stdout, tok)
			return err
		},
	}
}

func newDaemonLoginCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "login",
		Short: "Print a one-time link that logs the web page in",
		Long: `Print a link to the daemon's web page that logs this browser in. The link works
once, within ` + strconv.Itoa(int(apitoken.CodeTTL.Minutes())) + ` minutes; the page then keeps a cookie (HttpOnly, for this
address only) for 30 days, or until the API token changes. When no daemon
runs, it says so on stderr: the link works once one is started in time.`,
		Example: `  localgpt daemon login
  xdg-open "$(localgpt daemon login)"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			url, err := a.loginURL()
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintln(a.stdout, url); err != nil {
				return err
			}
			if !daemon.Running(a.paths) {
				printf(a.stderr, "localgpt: no daemon is running, so nothing answers at this link yet; start one with `localgpt daemon start` (it prints a link of its own)\n")
			}
			return nil
		},
	}
}
