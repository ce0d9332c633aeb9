package cli

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/tinyfs"
)

// bigText is an entry of about 15 KB (more than the free page the tests
// leave), with a word that appears nowhere else.
func bigText(word string) string {
	return word + " " + strings.Repeat("a long entry that does not fit on the disk. ", 350)
}

// readFile returns path's content, "" when it does not exist.
func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

// noTempFiles fails if dir holds a temporary file left by a failed write.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("a temporary file was left behind: %s", e.Name())
		}
	}
}

// diskFull says whether a message reports the full disk clearly.
func diskFull(msg string) bool { return strings.Contains(msg, "no space left on device") }

// TestWritersOnAFullDisk runs each writer of user data through its real
// entry point on a real full disk (a tiny tmpfs mounted where it writes,
// filled to one free page): the daily log (`memory add`, memory_save),
// MEMORY.md (memory_save long_term), sessions (chat) and config.toml
// (`config set`). Each fails with an error saying the disk is full, and
// leaves its file exactly as it was, without temporary files; once space
// is freed, the next write lands whole right after the old content.
func TestWritersOnAFullDisk(t *testing.T) {
	today := func(home string) string {
		return filepath.Join(home, "workspace", filepath.FromSlash(memory.DailyPath(time.Now())))
	}
	tests := []struct {
		name string
		// mount is the folder (under home) the tmpfs goes on; leave is how
		// many bytes stay free once it is filled.
		mount string
		leave int
		// file is the file the writer appends to or replaces.
		file func(home string) string
		// prepare makes the file exist before the disk is filled.
		prepare func(t *testing.T, home string, srv *llmtest.Server)
		// write runs the entry point with a write that does not fit and
		// returns what the user (or the model) was told.
		write func(t *testing.T, home string, srv *llmtest.Server) string
		// after writes again once there is room; the file must then be
		// the old content plus that write (for a file replaced whole,
		// after checks the result itself).
		after    func(t *testing.T, home string, srv *llmtest.Server)
		replaced bool
	}{
		{
			name: "memory add", mount: "workspace/memory", leave: tinyfs.Page, file: today,
			prepare: func(t *testing.T, home string, _ *llmtest.Server) {
				if r := runIn(t, home, "", "memory", "add", "first entry"); r.code != 0 {
					t.Fatalf("%+v", r)
				}
			},
			write: func(t *testing.T, home string, _ *llmtest.Server) string {
				r := runIn(t, home, "", "memory", "add", bigText("ZEBRAFISH"))
				if r.code == 0 {
					t.Fatalf("memory add on a full disk succeeded: %+v", r)
				}
				return r.stderr
			},
			after: func(t *testing.T, home string, _ *llmtest.Server) {
				if r := runIn(t, home, "", "memory", "add", "second entry"); r.code != 0 {
					t.Fatalf("%+v", r)
				}
			},
		},
		{
			name: "memory_save", mount: "workspace/memory", leave: tinyfs.Page, file: today,
			prepare: func(t *testing.T, home string, _ *llmtest.Server) {
				if r := runIn(t, home, "", "memory", "add", "first entry"); r.code != 0 {
					t.Fatalf("%+v", r)
				}
			},
			write: func(t *testing.T, home string, srv *llmtest.Server) string {
				return saveThroughModel(t, home, srv, bigText("ZEBRAFISH"), false)
			},
			after: func(t *testing.T, home string, srv *llmtest.Server) {
				saveThroughModel(t, home, srv, "second entry", false)
			},
		},
		{
			name: "memory_save long_term", mount: "workspace", leave: tinyfs.Page,
			file: func(home string) string { return filepath.Join(home, "workspace", "MEMORY.md") },
			prepare: func(t *testing.T, home string, srv *llmtest.Server) {
				saveThroughModel(t, home, srv, "first fact", true)
			},
			write: func(t *testing.T, home string, srv *llmtest.Server) string {
				return saveThroughModel(t, home, srv, bigText("ZEBRAFISH"), true)
			},
			after: func(t *testing.T, home string, srv *llmtest.Server) {
				saveThroughModel(t, home, srv, "second fact", true)
			},
		},
		{
			name: "session", mount: "sessions", leave: tinyfs.Page,
			file: func(home string) string {
				infos := listSessions(t, home)
				if len(infos) != 1 {
					t.Fatalf("sessions: %+v", infos)
				}
				return infos[0].Path
			},
			prepare: func(t *testing.T, home string, srv *llmtest.Server) {
				srv.Enqueue(llmtest.Text("Hello."))
				if r := runIn(t, home, "first question\n", "chat", "--no-tools"); r.code != 0 {
					t.Fatalf("%+v", r)
				}
			},
			write: func(t *testing.T, home string, srv *llmtest.Server) string {
				srv.Enqueue(llmtest.Text(bigText("ZEBRAFISH")))
				r := runIn(t, home, "a question with a long answer\n", "chat", "--resume", "--no-tools")
				if r.code == 0 {
					t.Fatalf("a chat turn on a full disk succeeded: %+v", r)
				}
				return r.stderr
			},
			after: func(t *testing.T, home string, srv *llmtest.Server) {
				srv.Enqueue(llmtest.Text("Again."))
				if r := runIn(t, home, "second question\n", "chat", "--resume", "--no-tools"); r.code != 0 || strings.Contains(r.stderr, "warning") {
					t.Fatalf("%+v", r)
				}
			},
		},
		{
			name: "config set", mount: "", leave: 0, replaced: true,
			file:    func(home string) string { return filepath.Join(home, "config.toml") },
			prepare: func(*testing.T, string, *llmtest.Server) {},
			write: func(t *testing.T, home string, _ *llmtest.Server) string {
				r := runIn(t, home, "", "config", "set", "agent.reserve_tokens", "9000")
				if r.code == 0 {
					t.Fatalf("config set on a full disk succeeded: %+v", r)
				}
				return r.stderr
			},
			after: func(t *testing.T, home string, _ *llmtest.Server) {
				if r := runIn(t, home, "", "config", "set", "agent.reserve_tokens", "9000"); r.code != 0 {
					t.Fatalf("%+v", r)
				}
				if got := readFile(t, filepath.Join(home, "config.toml")); !strings.Contains(got, "reserve_tokens = 9000") || !strings.Contains(got, "sk-test-000000000000") {
					t.Fatalf("config after freeing space:\n%s", got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home, srv := tinyHome(t, tt.mount)
			tt.prepare(t, home, srv)
			file := tt.file(home)
			before := readFile(t, file)
			if before == "" {
				t.Fatalf("%s was not written before the disk filled", file)
			}
			release := tinyfs.Fill(t, filepath.Join(home, tt.mount), tt.leave)
			told := tt.write(t, home, srv)
			if !diskFull(told) {
				t.Errorf("the failure does not say the disk is full: %s", told)
			}
			t.Logf("told: %s", told)
			if got := readFile(t, file); got != before {
				t.Fatalf("the failed write changed %s (%d bytes before, %d after)", file, len(before), len(got))
			}
			noTempFiles(t, filepath.Dir(file))
			release()
			tt.after(t, home, srv)
			got := readFile(t, file)
			if !tt.replaced && !strings.HasPrefix(got, before) || strings.Contains(got, "ZEBRAFISH") {
				t.Fatalf("after freeing space, %s does not continue the old content cleanly:\n%s", file, got)
			}
		})
	}
}

// tinyHome is fakeHome with a 1 MiB tmpfs mounted on home/mount (home
// itself when mount is ""), holding the config file when it is home.
func tinyHome(t *testing.T, mount string) (string, *llmtest.Server) {
	t.Helper()
	home, srv := fakeHome(t)
	if mount != "" {
		tinyfs.Mount(t, filepath.Join(home, mount), 1<<20)
		return home, srv
	}
	cfg := readFile(t, filepath.Join(home, "config.toml"))
	home = filepath.Join(home, "tiny")
	tinyfs.Mount(t, home, 1<<20)
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return home, srv
}

// saveThroughModel runs `ask` with a model that calls memory_save with
// content, and returns the tool result the model was sent.
func saveThroughModel(t *testing.T, home string, srv *llmtest.Server, content string, longTerm bool) string {
	t.Helper()
	args := fmt.Sprintf(`{"content":%q,"long_term":%v}`, content, longTerm)
	srv.Enqueue(llmtest.ToolCalls(llmtest.Call{ID: "m1", Name: "memory_save", Args: args}), llmtest.Text("Done."))
	if r := runIn(t, home, "", "ask", "remember this"); r.code != 0 {
		t.Fatalf("ask: %+v", r)
	}
	body := lastBody(t, srv)
	i := strings.Index(body, `"tool_call_id":"m1"`)
	if i < 0 {
		t.Fatalf("no tool result in %s", body)
	}
	return body[max(0, i-600):i]
}

// TestIndexOnAFullDisk: when the index cannot grow (its folder is a full
// tmpfs), `memory add` says so clearly. With no room at all the index
// cannot even be opened and nothing is added; with a little room the
// entry is kept in the daily log and only its indexing fails. Either way
// the index stays intact and holds nothing half-written (a file's row
// matches its chunks), and a search once space is freed finds the entry.
func TestIndexOnAFullDisk(t *testing.T) {
	for _, tt := range []struct {
		name  string
		leave int
		kept  bool
	}{
		{"no room to open it", 0, false},
		{"no room to grow", 12 * tinyfs.Page, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			home, _ := tinyHome(t, "index")
			if r := runIn(t, home, "", "memory", "add", "first entry"); r.code != 0 {
				t.Fatalf("%+v", r)
			}
			release := tinyfs.Fill(t, filepath.Join(home, "index"), tt.leave)
			r := runIn(t, home, "", "memory", "add", bigText("ZEBRAFISH"))
			if r.code == 0 || !diskFull(r.stderr) {
				t.Fatalf("memory add with a full index disk: %+v", r)
			}
			t.Logf("told: %s", r.stderr)
			daily := filepath.Join(home, "workspace", filepath.FromSlash(memory.DailyPath(time.Now())))
			if kept := strings.Contains(readFile(t, daily), "ZEBRAFISH"); kept != tt.kept || tt.kept != strings.Contains(r.stderr, "could not index it") {
				t.Fatalf("entry kept: %v, want %v; %s", kept, tt.kept, r.stderr)
			}
			release() // SQLite cannot even open the index read-only without room for its shared memory
			checkIndexWhole(t, filepath.Join(home, "index", "memory.sqlite"), daily)
			want := map[bool]string{true: "ZEBRAFISH", false: "first"}[tt.kept]
			if r := runIn(t, home, "", "memory", "search", want); r.code != 0 || !strings.Contains(r.stdout, want) {
				t.Fatalf("search after freeing space: %+v", r)
			}
		})
	}
}

// checkIndexWhole fails unless the index passes SQLite's integrity check
// and its row for daily matches its chunks: when the row records the
// file's current size, the entry's chunks are there too.
func checkIndexWhole(t *testing.T, index, daily string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+index+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	info, err := os.Stat(daily)
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	var chunks int
	if err := db.QueryRow(`SELECT size, (SELECT count(*) FROM chunks WHERE file_id = files.id AND text LIKE '%ZEBRAFISH%')
		FROM files WHERE path LIKE '%' || ?`, memory.DailyPath(time.Now())).Scan(&size, &chunks); err != nil {
		t.Fatal(err)
	}
	if size == info.Size() && strings.Contains(readFile(t, daily), "ZEBRAFISH") != (chunks > 0) {
		t.Fatalf("half-indexed: the index records the file's %d bytes with %d chunks of the entry", size, chunks)
	}
}
