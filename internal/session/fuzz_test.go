package session

import (
	"testing"
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
