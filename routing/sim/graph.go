package sim

// FriendGraph returns the friend graph the kleinberg and darknet topologies
// of cfg build (cfg's Nodes, Degree and Seed; the rest is ignored): the
// ring plus long links drawn with probability ∝ 1/d, as node pairs. A test
// network that links its nodes by it can be measured against the
// simulator's run of the same graph (hams testnet --topology darknet).
func FriendGraph(cfg Config) [][2]int {
	return kleinbergLinks(cfg.withDefaults())
}
