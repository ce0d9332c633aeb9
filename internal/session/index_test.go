package session

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// turn appends a committed user/assistant turn to s.
func turn(t *testing.T, s *Session, at time.Time, question, answer string) {
	t.Helper()
	q, a := llm.UserText(question), llm.AssistantText(answer)
	if err := s.AppendTurn(at, TurnAnswered, "", Entry{Type: TypeMessage, At: at, Message: &q}, Entry{Type: TypeMessage, At: at, Message: &a}); err != nil {
		t.Fatal(err)
	}
}

// TestIndexServesList: List answers from the index without reading a
// transcript whose size and time still match its record, rebuilds a
// record that disagrees with its file (another process appended, the
// file changed), drops records of files that are gone, and rebuilds a
// missing or corrupt index.
func TestIndexServesList(t *testing.T) {
	st := NewStore(t.TempDir())
	s, err := st.Create("openai/m", t0)
	if err != nil {
		t.Fatal(err)
	}
	turn(t, s, t0, "Plan the garden\nwith tomatoes", "Plant them in May.")
	s.Close()
	infos, err := st.List()
	if err != nil || len(infos) != 1 || infos[0].Messages != 2 || infos[0].Title != "Plan the garden" || infos[0].Preview != "Plant them in May." {
		t.Fatalf("list: %v %+v", err, infos)
	}
	if _, err := os.Stat(st.Dir + "/" + indexName); err != nil {
		t.Fatalf("no index written: %v", err)
	}

	// A transcript whose size and time match its record is not read: here
	// its content is garbage of the same size, and the listing is unchanged.
	path := st.Path(s.ID())
	fi, _ := os.Stat(path)
	if err := os.WriteFile(path, []byte(strings.Repeat("x", int(fi.Size()))), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, fi.ModTime(), fi.ModTime())
	if infos, _ := st.List(); len(infos) != 1 || infos[0].Messages != 2 || infos[0].Error != "" {
		t.Fatalf("a fresh record was not used: %+v", infos)
	}
	// Any change of size or time rebuilds the record from the file.
	os.Chtimes(path, fi.ModTime().Add(time.Second), fi.ModTime().Add(time.Second))
	if infos, _ := st.List(); len(infos) != 1 || infos[0].Error == "" {
		t.Fatalf("a stale record was not rebuilt: %+v", infos)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}

	// Another process (another Store) appends: the record follows.
	a, _ := st.Create("openai/m", t0)
	turn(t, a, t0, "first", "one")
	a.Close()
	other := NewStore(st.Dir)
	b, err := other.Open(a.ID())
	if err != nil {
		t.Fatal(err)
	}
	turn(t, b, t0.Add(time.Minute), "second", "two")
	b.Close()
	for _, corrupt := range []bool{false, true} {
		if corrupt {
			os.WriteFile(st.Dir+"/"+indexName, []byte("{not json"), 0o600)
		}
		infos, err := st.List()
		if err != nil || len(infos) != 1 || infos[0].ID != a.ID() || infos[0].Messages != 4 || infos[0].Preview != "two" || !infos[0].Updated.Equal(t0.Add(time.Minute)) {
			t.Fatalf("corrupt index %v: %v %+v", corrupt, err, infos)
		}
	}
	if in, err := st.Info(a.ID()[:16]); err != nil || in.Messages != 4 || in.Path != st.Path(a.ID()) {
		t.Fatalf("info: %v %+v", err, in)
	}
	if _, err := st.Delete(a.ID()); err != nil {
		t.Fatal(err)
	}
	if recs := st.readIndex(); len(recs) != 0 {
		t.Fatalf("deleted session still indexed: %+v", recs)
	}
}

// TestRenameAndTheIndex: a title set with Rename is kept in the file (and so survives
// a rebuilt index), shown by List, and "" goes back to the first user
// message; a session open elsewhere cannot be renamed.
func TestRenameAndTheIndex(t *testing.T) {
	st := NewStore(t.TempDir())
	s, _ := st.Create("openai/m", t0)
	turn(t, s, t0, "What is Go?\nthe language", "A language.")
	if _, err := st.Rename(s.ID(), "Go", t0); err == nil || !strings.Contains(err.Error(), "another localgpt process") {
		t.Fatalf("rename of an open session: %v", err)
	}
	s.Close()
	tests := []struct{ title, want string }{
		{"  Learning\n  Go  ", "Learning Go"},
		{strings.Repeat("é", 300), strings.Repeat("é", MaxTitle-1) + "…"},
		{"", "What is Go?"},
	}
	for _, tt := range tests {
		in, err := st.Rename(s.ID()[:16], tt.title, t0)
		if err != nil || in.Title != tt.want {
			t.Fatalf("rename %q: %v %q", tt.title, err, in.Title)
		}
		os.Remove(st.Dir + "/" + indexName) // the title lives in the transcript
		if infos, _ := st.List(); infos[0].Title != tt.want || infos[0].Messages != 2 {
			t.Fatalf("after rename %q: %+v", tt.title, infos)
		}
	}
}
