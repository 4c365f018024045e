package clientlayer

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/hamsnet/hams/keys"
)

// insertPath describes which branch of docs/metadata.md §1 and §3 an insert
// took, from its top document.
func insertPath(t *testing.T, bs BlockStore, u keys.URI) string {
	t.Helper()
	m := splitfileOrInline(t, bs, u)
	switch m.Type {
	case DocInline:
		return fmt.Sprintf("inline codec=%d", m.Codec)
	case DocRedirect:
		return fmt.Sprintf("redirect to raw CHK control=%t codec=%d", m.Target.IsControl(), m.Target.Codec())
	case DocSplitfile:
		if m.IsMetadata {
			return "metadata splitfile"
		}
		segs := SegmentLayout(m.Length, m.SegmentData, m.SegmentCheck)
		last := segs[len(segs)-1]
		return fmt.Sprintf("splitfile codec=%d segments=%d last=%d+%d", m.Codec, len(segs), last.Data, last.Check)
	}
	return m.Type.String()
}

// TestInsertVectorPaths pins the branch each small insert vector exercises,
// so that a vector's description cannot drift from what it tests (as
// insert-redirect's did: 40000 random bytes are a splitfile, not a
// redirect), and checks that together they cover every branch of an insert
// of data held in memory: inline plain and compressed, a redirect to one
// raw CHK, and a splitfile.
func TestInsertVectorPaths(t *testing.T) {
	want := map[string]string{
		"insert-hello":            "inline codec=0",
		"insert-empty":            "inline codec=0",
		"insert-inline-max":       "inline codec=0",
		"insert-gzip-inline":      "inline codec=1",
		"insert-redirect-raw-min": "redirect to raw CHK control=false codec=0",
		"insert-redirect-raw-max": "redirect to raw CHK control=false codec=0",
		"insert-redirect":         "splitfile codec=0 segments=1 last=2+2",
		"insert-splitfile-min":    "splitfile codec=0 segments=1 last=2+2",
		"insert-splitfile":        "splitfile codec=0 segments=1 last=3+3",
	}
	mem := newMemStore()
	c := newClient(t, mem, Config{})
	var paths []string
	for _, v := range loadVectors(t) {
		if v.Op != "insert" || v.DataLen > 1<<20 {
			continue // the large (multi-level) vector is TestVectors'
		}
		data, err := hex.DecodeString(v.DataHex)
		if err != nil {
			t.Fatal(err)
		}
		if v.DataLen > 0 {
			data = make([]byte, v.DataLen)
			rand.NewChaCha8([32]byte{byte(v.DataSeed)}).Read(data)
		}
		u := mustInsert(t, c, data, InsertOptions{URI: chkURI, ContentType: v.ContentType, DontCompress: v.DontCompress})
		got := insertPath(t, mem, u)
		paths = append(paths, got)
		if w, ok := want[v.Name]; ok && got != w {
			t.Errorf("%s (%s): %s, want %s", v.Name, v.Description, got, w)
		}
		delete(want, v.Name)
	}
	for name := range want {
		t.Errorf("no vector %s", name)
	}
	for _, p := range []string{"inline codec=0", "inline codec=1", "redirect to raw CHK", "splitfile codec=0"} {
		if !slices.ContainsFunc(paths, func(got string) bool { return strings.HasPrefix(got, p) }) {
			t.Errorf("no insert vector takes path %s…", p)
		}
	}
}
