package torbridge

import (
	"slices"
	"strconv"
	"strings"
)

// Torrc returns the torrc lines that make tor reach the network only
// through bridges: "UseBridges 1", then one "Bridge <line>" per bridge in
// the given order (an exact repeat of an earlier bridge is left out), then
// one "ClientTransportPlugin <names> exec <path>" per program the bridges'
// transports use, naming its transports (sorted, comma-separated: one
// obfs4proxy serves obfs4 and meek_lite).
//
// plugins maps a transport name to the absolute path of its executable, as
// Find returns it; entries for transports no bridge uses are ignored (tor
// refuses a plugin line without a bridge). Every bridge is checked with
// Check first.
//
// The lines hold the bridges: write them only to tor's own torrc, never to
// a log. The error matches ErrNoBridges, ErrNoPlugin, or the Err variable
// of a bridge's Check.
func Torrc(bridges []Bridge, plugins map[string]string) ([]string, error) {
	if len(bridges) == 0 {
		return nil, errorf(ErrNoBridges, "no bridges to use: give at least one bridge line")
	}
	lines := []string{"UseBridges 1"}
	seen := make(map[string]bool, len(bridges))
	var used []string
	for i, b := range bridges {
		if err := b.Check(); err != nil {
			return nil, within("bridge "+strconv.Itoa(i+1), err)
		}
		l := b.Line()
		if seen[l] {
			continue
		}
		seen[l] = true
		lines = append(lines, "Bridge "+l)
		if b.Transport != "" && !slices.Contains(used, b.Transport) {
			used = append(used, b.Transport)
		}
	}
	slices.Sort(used)
	var paths []string             // in the order of their first transport
	names := map[string][]string{} // transports by program
	for _, name := range used {
		path := plugins[name]
		if path == "" {
			return nil, errorf(ErrNoPlugin, "%s bridges need a plugin: the path of %s (see Find)", name, lookup(name).Programs[0])
		}
		if why := pluginPathProblem(path); why != "" {
			return nil, errorf(ErrNoPlugin, "%s: %s", name, why)
		}
		if names[path] == nil {
			paths = append(paths, path)
		}
		names[path] = append(names[path], name)
	}
	// One line per program: tor runs one process per line, and one
	// obfs4proxy serves both obfs4 and meek_lite.
	for _, path := range paths {
		lines = append(lines, "ClientTransportPlugin "+strings.Join(names[path], ",")+" exec "+path)
	}
	return lines, nil
}
