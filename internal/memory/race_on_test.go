//go:build race

package memory

// raceOn: the tests run under the race detector, which makes SQLite
// (transpiled C) about 30 times slower.
const raceOn = true
