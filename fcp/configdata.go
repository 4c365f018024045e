package fcp

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// configOption is one setting GetConfig reports, under fred's name for it
// (its sub-config, a dot, its option name: "fcp.port"). ConfigData is a
// read-only view: ModifyConfig is refused.
type configOption struct {
	name        string
	dataType    string // fred's: boolean, number, string or stringArray
	expert      bool   // fred's expert flag for the option
	forceWrite  bool   // fred's force-write flag for the option
	def         string // the default, as hams's Config documents it
	short, long string // what it means, in hams
	current     func(s *Server) string
}

// configOptions are the settings a client can use to talk to the node: how
// FCP is reached, whether disk access needs TestDDA, where uploads may
// come from, whether the node is on opennet. Settings that would tell a
// client about the person who runs the node (the node's name, its
// directories) or that hams does not have (fproxy, plugins, bandwidth
// limits) are not listed.
var configOptions = []configOption{
	{
		name: "fcp.enabled", dataType: "boolean", expert: true, def: "true",
		short: "Enable FCP?", long: "Whether the node runs its FCP server (always true: hams has no other client interface).",
		current: func(*Server) string { return "true" },
	},
	{
		name: "fcp.port", dataType: "number", expert: true, forceWrite: true, def: "9481",
		short: "FCP port", long: "The TCP port the FCP server listens on (hams node --fcp).",
		current: func(s *Server) string { _, port := s.listenHostPort(); return port },
	},
	{
		name: "fcp.bindTo", dataType: "string", expert: true, forceWrite: true, def: "127.0.0.1",
		short: "IP address to bind to", long: "The IP address the FCP server listens on (hams node --fcp); loopback unless the node allows others.",
		current: func(s *Server) string { host, _ := s.listenHostPort(); return host },
	},
	{
		name: "fcp.assumeDownloadDDAIsAllowed", dataType: "boolean", expert: true, def: "false",
		short: "Assume that download DDA is allowed?", long: "Always false: a ClientGet to disk needs TestDDA write access to the directory first.",
		current: func(*Server) string { return "false" },
	},
	{
		name: "fcp.assumeUploadDDAIsAllowed", dataType: "boolean", expert: true, def: "false",
		short: "Assume that upload DDA is allowed?", long: "Always false: a disk upload needs TestDDA read access to the directory first, or a ClientPut FileHash.",
		current: func(*Server) string { return "false" },
	},
	{
		name: "node.downloadAllowedDirs", dataType: "stringArray", expert: true, forceWrite: true, def: "all",
		short: "Directories downloading is allowed to", long: "Directories a ClientGet may write to: \"all\", any directory the client has shown TestDDA write access to.",
		current: func(*Server) string { return "all" },
	},
	{
		name: "node.uploadAllowedDirs", dataType: "stringArray", expert: true, forceWrite: true, def: "all",
		short: "Directories uploading is allowed from", long: "Semicolon separated list of directories disk uploads may read from (hams node --fcp-upload-dir); \"all\" means any directory, empty means none. A client still needs TestDDA read access or a FileHash.",
		current: func(s *Server) string {
			if s.cfg.UploadAllowedDirs == nil {
				return "all"
			}
			return fredStringArray(s.cfg.UploadAllowedDirs)
		},
	},
	{
		name: "node.opennet.enabled", dataType: "boolean", expert: true, forceWrite: true, def: "false",
		short: "Enable insecure mode (automatically connect to untrusted nodes)?", long: "Whether the node links to strangers: opennet (hams node --opennet) or a seed node (--seed).",
		current: func(s *Server) string { return strconv.FormatBool(s.cfg.NodeInfo.Opennet) },
	},
}

// configGroups are ConfigData's groups, in the order fred's ConfigData
// adds them, with the GetConfig flag that asks for each.
var configGroups = []struct {
	flag, prefix string
	value        func(s *Server, o configOption, sortOrder int) string
}{
	{"WithCurrent", "current", func(s *Server, o configOption, _ int) string { return o.current(s) }},
	{"WithDefaults", "default", func(_ *Server, o configOption, _ int) string { return o.def }},
	{"WithSortOrder", "sortOrder", func(_ *Server, _ configOption, n int) string { return strconv.Itoa(n) }},
	{"WithExpertFlag", "expertFlag", func(_ *Server, o configOption, _ int) string { return strconv.FormatBool(o.expert) }},
	{"WithForceWriteFlag", "forceWriteFlag", func(_ *Server, o configOption, _ int) string { return strconv.FormatBool(o.forceWrite) }},
	{"WithShortDescription", "shortDescription", func(_ *Server, o configOption, _ int) string { return o.short }},
	{"WithLongDescription", "longDescription", func(_ *Server, o configOption, _ int) string { return o.long }},
	{"WithDataTypes", "dataType", func(_ *Server, o configOption, _ int) string { return o.dataType }},
}

// getConfig answers ConfigData: for each flag given true, each option's
// value under the flag's prefix ("current.fcp.port=9481"), as fred's
// ConfigData; Identifier (if any) first, as fred writes a message's own
// fields before its sub-sets.
func (c *conn) getConfig(m *fcpwire.Message) error {
	out := &fcpwire.Message{Name: "ConfigData"}
	if id, ok := m.Lookup("Identifier"); ok {
		out.Set("Identifier", id)
	}
	want := make([]bool, len(configGroups))
	for i, g := range configGroups {
		v, err := m.Bool(g.flag, false)
		if err != nil {
			return err
		}
		want[i] = v
	}
	orders := configSortOrders()
	for i, g := range configGroups {
		if !want[i] {
			continue
		}
		for j, o := range configOptions {
			out.Set(g.prefix+"."+o.name, g.value(c.s, o, orders[j]))
		}
	}
	return c.send(out)
}

// configSortOrders numbers each option within its sub-config (the name
// before its last dot), in configOptions' order: fred's sortOrder is such
// a place in the list a configuration page shows.
func configSortOrders() []int {
	next := map[string]int{}
	out := make([]int, len(configOptions))
	for i, o := range configOptions {
		sub := o.name[:strings.LastIndexByte(o.name, '.')]
		out[i] = next[sub]
		next[sub]++
	}
	return out
}

// listenHostPort returns the host and port the FCP server listens on: its
// first listener's address, else Config.Addr's.
func (s *Server) listenHostPort() (host, port string) {
	if a, ok := s.Addr().(*net.TCPAddr); ok {
		return a.IP.String(), strconv.Itoa(a.Port)
	}
	host, port, err := net.SplitHostPort(s.cfg.Addr)
	if err != nil { // Validate checked it
		return "", ""
	}
	return host, port
}

// fredStringArray writes a list as fred's StringArrOption does: each
// element URL-encoded (freenet.support.URLEncoder: "*-_./", ASCII letters
// and digits and printable non-ASCII characters as they are, other bytes
// as %xx), ":" for an empty one, joined by ";".
func fredStringArray(list []string) string {
	parts := make([]string, len(list))
	for i, v := range list {
		if v == "" {
			parts[i] = ":"
			continue
		}
		var b strings.Builder
		for _, r := range v {
			switch {
			case r < 128 && strings.ContainsRune("*-_./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", r),
				r >= 128 && r != unicode.ReplacementChar && !unicode.IsControl(r) && !unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp):
				b.WriteRune(r)
			default:
				for _, c := range []byte(string(r)) {
					fmt.Fprintf(&b, "%%%02x", c)
				}
			}
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, ";")
}
