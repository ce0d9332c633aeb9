package tools

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// fileMemory implements Memory over real markdown files in a workspace,
// with a plain substring search: enough to exercise the memory tools.
type fileMemory struct{ ws string }

func (m *fileMemory) Search(ctx context.Context, query string, limit int) ([]MemoryHit, error) {
	var hits []MemoryHit
	err := filepath.WalkDir(m.ws, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".md") || len(hits) >= limit {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		rel, _ := filepath.Rel(m.ws, path)
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan() && len(hits) < limit; n++ {
			if strings.Contains(strings.ToLower(sc.Text()), strings.ToLower(query)) {
				hits = append(hits, MemoryHit{Path: filepath.ToSlash(rel), LineStart: n, LineEnd: n, Snippet: sc.Text(), Score: 1})
			}
		}
		return sc.Err()
	})
	return hits, err
}

func (m *fileMemory) Read(_ context.Context, path string, from, to int) (string, error) {
	abs := filepath.Join(m.ws, filepath.FromSlash(path))
	if rel, err := filepath.Rel(m.ws, abs); err != nil || strings.HasPrefix(rel, "..") {
		return "", errors.New("the path is outside the workspace")
	}
	b, err := os.ReadFile(abs)
	if err != nil {
		return "", err
	}
	lines := strings.SplitAfter(string(b), "\n")
	if to == 0 || to > len(lines) {
		to = len(lines)
	}
	if from > to {
		return "", nil
	}
	return strings.Join(lines[from-1:to], ""), nil
}

func (m *fileMemory) AppendDaily(_ context.Context, text string, now time.Time) error {
	p := filepath.Join(m.ws, "memory", now.Format("2006-01-02")+".md")
	return fsutil.AppendSync(p, []byte(fmt.Sprintf("## %s\n%s\n\n", now.Format("15:04"), text)))
}

func (m *fileMemory) AppendLongTerm(_ context.Context, text string, _ time.Time) error {
	return fsutil.AppendSync(filepath.Join(m.ws, "MEMORY.md"), []byte(text+"\n"))
}
