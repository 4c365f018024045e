// Package sim simulates a hams network of 10^3 to 10^6 nodes: every node is
// a real routing.Core, driven by a discrete-event loop with a virtual clock
// instead of sockets, so the simulator measures the code the node runs.
//
// A run builds a topology (Kleinberg small world, darknet with location
// swapping, or opennet with path folding), optionally swaps locations,
// then inserts Requests keys from random nodes and requests each from
// another random node, epoch by epoch, under optional Weibull churn and a
// Pitch Black attack with an optional defence. Config.Subscribe adds live
// feeds: publishers insert editions at random moments, followers poll for
// the next one and take the Offers of passive requests, and the Result
// reports post-to-visible times and the messages it cost. Every random
// choice comes from Config.Seed: the same Config gives the same Result.
//
// docs/simulation.md describes the models and publishes results.
//
// It imports only routing and keys, and is deterministic: no wall clock, no
// goroutines, no global random source (internal/layout checks it).
package sim
