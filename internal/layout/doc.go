// Package layout holds no code, only the test that keeps the package graph
// as docs/architecture.md draws it: which hams packages each package may
// import (no import runs back up the data path), and which packages are
// pure (no sockets, files, wall clock, goroutines or global random source)
// or deterministic. A new package, or a new import between packages, fails
// the test until the rules and the document say where it belongs.
package layout
