package heartbeat

import "time"

// Due returns the pending tasks of f that are due at now. ran maps a
// task's Key to when a successful cycle last handled it.
//
//   - A one-time task is due once its Due time has come (at once when it
//     has none) until a cycle has handled it; the model is asked to move
//     it to Completed, and it is not offered again unless its title or
//     date changes (HEARTBEAT.md changing also starts a cycle).
//   - A recurring task is due when its latest occurrence (not before Due)
//     has not yet been handled.
func Due(f *File, now time.Time, loc *time.Location, ran map[string]time.Time) []Task {
	var out []Task
	for _, t := range f.Tasks {
		if t.Done {
			continue
		}
		last := ran[t.Key()]
		if t.Recurring == nil {
			if (t.Due.IsZero() || !t.Due.After(now)) && last.IsZero() {
				out = append(out, t)
			}
			continue
		}
		occ := t.Recurring.Latest(now, t.Due, loc)
		if !t.Due.IsZero() && occ.Before(t.Due) {
			continue // the first occurrence is still to come
		}
		if last.Before(occ) {
			out = append(out, t)
		}
	}
	return out
}
