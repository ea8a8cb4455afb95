//go:build race

package article

// raceEnabled makes the slow pathological tests smaller under the race
// detector, which slows every memory access.
const raceEnabled = true
