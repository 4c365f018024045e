package routing

import (
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/keys"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output in routing/testdata/*.txt")

// TestScripts runs the scripts in testdata: each block is a command, a line
// "----" and the Ready it must produce (as etcd-io/raft's interaction
// tests do). Request IDs are printed as r1, r2, ... in order of appearance;
// keys have names and chosen locations.
//
// Commands:
//
//	node loc=F [seed=N] [limit=N] [window=F] [recent=N]   a fresh Core (clock at 0; recent: MaxRecentIDs)
//	peer ID loc=F                   AddPeer
//	remove ID                       RemovePeer
//	nbrs ID [F,F,...]               SetPeerNeighbours (friend-of-a-friend)
//	features ID none|offers[,collisions][,replace]   SetPeerFeatures
//	key NAME loc=F                  name a routing key at location F
//	fetch NAME | insert NAME        a local request or insert
//	fetch-remote NAME               a local request the driver looked up already
//	recv PEER TYPE id=R [key=NAME] [htl=N] [block=B] [replaces=B]   Step a message
//	lookup R found|missing|other    LookupDone (found: block "data-KEY"; other: "other-KEY")
//	tick DURATION                   advance the clock and Tick
func TestScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no scripts")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runScript(t, f) })
	}
}

type script struct {
	t      *testing.T
	c      *Core
	now    time.Time
	keys   map[string]keys.RoutingKey
	names  map[keys.RoutingKey]string
	ids    map[RequestID]string
	byName map[string]RequestID
	local  int // names given to the Core's own request IDs so far
}

func runScript(t *testing.T, path string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := &script{t: t, keys: map[string]keys.RoutingKey{}, names: map[keys.RoutingKey]string{},
		ids: map[RequestID]string{}, byName: map[string]RequestID{}}
	var out strings.Builder
	blocks := strings.Split(strings.TrimRight(string(raw), "\n")+"\n", "\n\n")
	for _, b := range blocks {
		lines := strings.Split(strings.Trim(b, "\n"), "\n")
		var cmds []string
		i := 0
		for ; i < len(lines) && lines[i] != "----"; i++ {
			cmds = append(cmds, lines[i])
		}
		want := ""
		if i < len(lines) {
			want = strings.Join(lines[i+1:], "\n")
		}
		var got []string
		for _, cmd := range cmds {
			if strings.HasPrefix(cmd, "#") || cmd == "" {
				continue
			}
			got = append(got, s.run(cmd)...)
		}
		gotS := strings.Join(got, "\n")
		out.WriteString(strings.Join(cmds, "\n") + "\n----\n")
		if gotS != "" {
			out.WriteString(gotS + "\n")
		}
		out.WriteString("\n")
		if !*rewrite && gotS != want {
			t.Errorf("%s: after\n%s\ngot:\n%s\nwant:\n%s", path, strings.Join(cmds, "\n"), gotS, want)
		}
	}
	if *rewrite {
		os.WriteFile(path, []byte(strings.TrimRight(out.String(), "\n")+"\n"), 0o644)
	}
}

func (s *script) args(fields []string) map[string]string {
	m := map[string]string{}
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		m[k] = v
	}
	return m
}

func (s *script) loc(v string) Location {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		s.t.Fatalf("bad location %q", v)
	}
	l, err := LocationOf(f)
	if err != nil {
		s.t.Fatal(err)
	}
	return l
}

func (s *script) id(name string) RequestID {
	if id, ok := s.byName[name]; ok {
		return id
	}
	// A name first seen in a recv: a peer's request ID, made from the name.
	h := sha256.Sum256([]byte(name))
	id := RequestID(binary.BigEndian.Uint64(h[:8]))
	s.byName[name], s.ids[id] = id, name
	return id
}

func (s *script) name(id RequestID) string {
	if n, ok := s.ids[id]; ok {
		return n
	}
	s.local++
	n := fmt.Sprintf("r%d", s.local)
	s.ids[id], s.byName[n] = n, id
	return n
}

func (s *script) key(name string) keys.RoutingKey {
	k, ok := s.keys[name]
	if !ok {
		s.t.Fatalf("unknown key %q", name)
	}
	return k
}

func (s *script) run(cmd string) []string {
	f := strings.Fields(cmd)
	a := s.args(f[1:])
	var notes []string
	switch f[0] {
	case "node":
		seed, _ := strconv.ParseUint(a["seed"], 10, 64)
		limit, _ := strconv.Atoi(a["limit"])
		window, _ := strconv.ParseFloat(a["window"], 64)
		recent, _ := strconv.Atoi(a["recent"])
		c, err := New(Config{Location: s.loc(a["loc"]), Seed: seed, PeerRequestLimit: limit, InitialWindow: window,
			MaxRecentIDs: recent})
		if err != nil {
			s.t.Fatal(err)
		}
		s.c, s.now = c, time.Unix(0, 0).UTC()
	case "peer":
		id, _ := strconv.ParseUint(f[1], 10, 64)
		if err := s.c.AddPeer(PeerID(id), s.loc(a["loc"])); err != nil {
			notes = append(notes, "error: "+err.Error())
		}
		p := s.c.peer(PeerID(id))
		notes = append(notes, fmt.Sprintf("peer %d dec-at-max=%v dec-at-min=%v", id, p.decAtMax, p.decAtMin))
	case "remove":
		id, _ := strconv.ParseUint(f[1], 10, 64)
		s.c.RemovePeer(s.now, PeerID(id))
	case "nbrs":
		id, _ := strconv.ParseUint(f[1], 10, 64)
		var locs []Location
		if len(f) > 2 {
			for _, v := range strings.Split(f[2], ",") {
				locs = append(locs, s.loc(v))
			}
		}
		if err := s.c.SetPeerNeighbours(PeerID(id), locs); err != nil {
			notes = append(notes, "error: "+err.Error())
		}
	case "features":
		id, _ := strconv.ParseUint(f[1], 10, 64)
		var pf PeerFeatures
		for _, n := range strings.Split(f[2], ",") {
			switch n {
			case "offers":
				pf |= PeerOffers
			case "collisions":
				pf |= PeerCollisions
			case "replace":
				pf |= PeerReplace
			}
		}
		if err := s.c.SetPeerFeatures(PeerID(id), pf); err != nil {
			notes = append(notes, "error: "+err.Error())
		}
	case "key":
		var rk keys.RoutingKey
		h := sha256.Sum256([]byte(f[1]))
		copy(rk[:], h[:])
		binary.BigEndian.PutUint64(rk[:8], uint64(s.loc(a["loc"])))
		s.keys[f[1]], s.names[rk] = rk, f[1]
	case "fetch", "fetch-remote", "insert":
		var id RequestID
		var err error
		switch f[0] {
		case "fetch":
			id, err = s.c.Fetch(s.now, s.key(f[1]))
		case "fetch-remote":
			id, err = s.c.FetchRemote(s.now, s.key(f[1]))
		default:
			id, err = s.c.Insert(s.now, s.key(f[1]), []byte("data-"+f[1]))
		}
		if err != nil {
			notes = append(notes, "error: "+err.Error())
		} else {
			notes = append(notes, "started "+s.name(id))
		}
	case "recv":
		from, _ := strconv.ParseUint(f[1], 10, 64)
		var typ MsgType
		for t := MsgRequest; t <= MsgReplace; t++ {
			if t.String() == f[2] {
				typ = t
			}
		}
		m := Message{Type: typ, Peer: PeerID(from), ID: s.id(a["id"])}
		if k, ok := a["key"]; ok {
			m.Key = s.key(k)
		} else if r := s.c.reqs[m.ID]; r != nil && typ == MsgData {
			m.Key = r.key // Data names its key; scripts may leave it out
		}
		if h, ok := a["htl"]; ok {
			n, _ := strconv.Atoi(h)
			m.HTL = uint8(n)
		}
		if b, ok := a["block"]; ok {
			m.Block = []byte(b)
		}
		if b, ok := a["replaces"]; ok {
			m.Replaces = HashBlock([]byte(b))
		}
		if err := s.c.Step(s.now, m); err != nil {
			notes = append(notes, "error: "+err.Error())
		}
	case "lookup":
		var block []byte
		switch f[2] {
		case "found":
			r := s.c.reqs[s.id(f[1])]
			block = []byte("data-" + s.names[r.key])
		case "other":
			r := s.c.reqs[s.id(f[1])]
			block = []byte("other-" + s.names[r.key])
		}
		s.c.LookupDone(s.now, s.id(f[1]), block)
	case "tick":
		d, err := time.ParseDuration(f[1])
		if err != nil {
			s.t.Fatal(err)
		}
		s.now = s.now.Add(d)
		s.c.Tick(s.now)
	default:
		s.t.Fatalf("unknown command %q", cmd)
	}
	return append(notes, s.ready()...)
}

func (s *script) ready() []string {
	rd := s.c.Ready()
	var out []string
	for _, m := range rd.Messages {
		line := fmt.Sprintf("send %d %s id=%s", m.Peer, m.Type, s.name(m.ID))
		if m.Type == MsgRequest || m.Type == MsgInsert || m.Type == MsgOffer || m.Type == MsgCollision || m.Type == MsgReplace {
			line += " key=" + s.names[m.Key]
		}
		if m.Type == MsgRequest || m.Type == MsgInsert || m.Type == MsgRouteNotFound {
			line += fmt.Sprintf(" htl=%d", m.HTL)
		}
		if m.Type == MsgReplace {
			line += " replaces=" + strings.TrimPrefix(held(m.Replaces), " if-held=")
		}
		if m.Block != nil {
			line += " block=" + string(m.Block)
		}
		out = append(out, line)
	}
	for _, l := range rd.Lookups {
		line := fmt.Sprintf("lookup %s key=%s", s.name(l.ID), s.names[l.Key])
		if l.Insert != nil {
			line += " insert=" + string(l.Insert)
		}
		out = append(out, line)
	}
	for _, st := range rd.Stores {
		region := map[Region]string{RegionStore: "store", RegionCache: "cache"}[st.Region]
		if st.Replace {
			region = "replace " + region
		}
		out = append(out, fmt.Sprintf("write %s %s block=%s", region, s.names[st.Key], st.Block)+held(st.Held))
	}
	for _, o := range rd.Offered {
		out = append(out, fmt.Sprintf("offered %s block=%s", s.names[o.Key], o.Block)+held(o.Held))
	}
	for _, r := range rd.Results {
		line := fmt.Sprintf("result %s key=%s", s.name(r.ID), s.names[r.Key])
		switch {
		case r.Err != nil:
			line += " err=" + r.Err.Error()
			if r.Block != nil {
				line += " block=" + string(r.Block)
			}
		case r.Insert:
			line += " inserted"
		default:
			line += " block=" + string(r.Block)
		}
		out = append(out, line)
	}
	return out
}

// held names the block whose hash is h, among those scripts use ("data-K",
// "other-K" and "third-K" for their keys' names, and a few more), for a
// conditional replacement; "" for none.
func held(h BlockHash) string {
	if h == (BlockHash{}) {
		return ""
	}
	for _, k := range []string{"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"} {
		for _, p := range []string{"data-", "other-", "third-"} {
			if HashBlock([]byte(p+k)) == h {
				return " if-held=" + p + k
			}
		}
	}
	return fmt.Sprintf(" if-held=%x", h[:4])
}
