//go:build !race

package fcp

const raceEnabled = false
