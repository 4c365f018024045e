//go:build race

package fcp

// raceEnabled: the race detector makes every allocation and stack larger,
// so memory bounds are not checked under it.
const raceEnabled = true
