package session

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// FuzzParse: any bytes either fail with an error or load a transcript
// whose intact prefix re-parses to the same messages without warnings
// about a torn end.
func FuzzParse(f *testing.F) {
	f.Add([]byte(header + msgLine("user", "hi") + msgLine("assistant", "hello")))
	f.Add([]byte(header + `{"type":"compaction","at":"2025-03-14T09:16:00Z","summary":"s","first_kept":1}` + "\n" + msgLine("user", "x")))
	f.Add([]byte(header + `{"type":"flush","at":"2025-03-14T09:16:00Z","kind":"memory_turn"}` + "\n{\n"))
	f.Add([]byte(header + `{"type":"message","message":{"role":"tool","parts":[{"type":"tool_result","tool_result":null}]}}` + "\n"))
	f.Add([]byte(header[:30]))
	v2 := `{"type":"session","at":"2025-03-14T09:15:02Z","version":2,"id":"s1"}` + "\n"
	f.Add([]byte(v2 + msgLine("user", "hi") + `{"type":"commit","at":"2025-03-14T09:16:00Z","count":1}` + "\n" + msgLine("user", "lost")))
	f.Add([]byte(header + msgLine("user", "a") + `{"type":"format","version":2}` + "\n" + msgLine("user", "b")))
	commit := `{"type":"commit","at":"2025-03-14T09:16:00Z","count":1}` + "\n"
	withdraw := `{"type":"withdraw","at":"2025-03-14T09:17:00Z"}` + "\n"
	f.Add([]byte(v2 + msgLine("user", "a") + commit + `{"type":"title","title":"T"}` + "\n" + withdraw + msgLine("user", "b") + commit + withdraw))
	f.Add([]byte(v2 + withdraw + withdraw + msgLine("user", "a") + commit))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := Parse(data)
		if err != nil {
			return
		}
		if tr.Size < 0 || tr.Size > int64(len(data)) {
			t.Fatalf("size %d of %d bytes", tr.Size, len(data))
		}
		again, err := Parse(data[:tr.Size])
		if err != nil || len(again.Messages()) != len(tr.Messages()) || again.Cycle() != tr.Cycle() {
			t.Fatalf("the intact prefix parses differently: %v", err)
		}
		h := tr.History()
		_ = MessagesTokens(h)
		_ = InfoOf(tr, "x")
		for _, turn := range tr.Turns() {
			if turn.Start < 0 || turn.Count < 1 || turn.Start+turn.Count > len(tr.Messages()) {
				t.Fatalf("turn %+v of %d messages", turn, len(tr.Messages()))
			}
		}
	})
}

// FuzzLazyMatchesEager: a session opened for writing (messages decoded when
// needed) holds exactly what parsing the same bytes whole gives.
func FuzzLazyMatchesEager(f *testing.F) {
	v2 := `{"type":"session","at":"2025-03-14T09:15:02Z","version":2,"id":"s1"}` + "\n"
	commit := `{"type":"commit","at":"2025-03-14T09:16:00Z","count":2}` + "\n"
	f.Add([]byte(v2 + msgLine("user", "hi") + msgLine("assistant", "hello") + commit))
	f.Add([]byte(header + msgLine("user", "a") + `{"type":"message","at":"2025-03-14T09:16:00Z","message":{"parts":[],"role":"tool"}}` + "\n"))
	f.Add([]byte(v2 + `{"type":"message","message":null}` + "\n" + commit + `{"type":"title","title":"T"}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		eager, err := Parse(data)
		if err != nil {
			return
		}
		st := NewStore(t.TempDir())
		if err := os.WriteFile(st.Path("s1"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := st.Open("s1")
		if err != nil {
			t.Fatalf("parses but does not open: %v", err)
		}
		defer s.Close()
		lazy := s.Transcript()
		for _, w := range eager.Warnings {
			if strings.Contains(w, "unreadable line") {
				// Well-formed JSON of the wrong shape in a message is only
				// found when the message is decoded (lazy.go): it must not
				// fail, and it stands as a note.
				lazy.Messages()
				if lazy.Len() < eager.Len() {
					t.Fatalf("%d messages opened, %d loaded", lazy.Len(), eager.Len())
				}
				return
			}
		}
		if InfoOf(lazy, "").Title != InfoOf(eager, "").Title || lazy.Preview() != eager.Preview() || lazy.Len() != eager.Len() {
			t.Fatalf("info differs: %+v / %+v", InfoOf(lazy, ""), InfoOf(eager, ""))
		}
		a, _ := json.Marshal(append([]llm.Message{}, lazy.Messages()...))
		b, _ := json.Marshal(append([]llm.Message{}, eager.Messages()...))
		if string(a) != string(b) || len(lazy.Warnings) != len(eager.Warnings) {
			t.Fatalf("messages differ:\n%s\n%s\n%v\n%v", a, b, lazy.Warnings, eager.Warnings)
		}
	})
}
