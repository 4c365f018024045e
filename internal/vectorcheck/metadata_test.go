package vectorcheck

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
)

// metaVector mirrors the files in docs/vectors/metadata (tools/metavectors).
type metaVector struct {
	Name         string `json:"name"`
	Description  string `json:"description"`
	Op           string `json:"op"`
	Rule         string `json:"rule"`
	Doc          string `json:"doc"`
	Summary      string `json:"summary"`
	DataHex      string `json:"data_hex"`
	DataSeed     int    `json:"data_seed"`
	DataLen      int    `json:"data_len"`
	ContentType  string `json:"content_type"`
	DontCompress bool   `json:"dont_compress"`
	URI          string `json:"uri"`
}

const metaVectorDir = "../../docs/vectors/metadata"

// TestMetadataVectors recomputes the derived fields of docs/vectors/metadata
// from docs/metadata.md and docs/keys.md: for insert vectors the request
// URI, through compression, the document, splitfile blocks, Leopard check
// blocks and metadata levels; for parse vectors what the document parses
// to (the summary) and that it serializes back to itself; for reject
// vectors the rule an independent parser rejects the document under.
func TestMetadataVectors(t *testing.T) {
	mc := newMetaChecker()
	ops := map[string]int{}
	for _, v := range readMetaVectors(t) {
		ops[v.Op]++
		t.Run(v.Name, func(t *testing.T) {
			if err := mc.check(v); err != nil {
				t.Error(err)
			}
		})
	}
	for _, op := range []string{"insert", "parse", "reject"} {
		if ops[op] == 0 {
			t.Errorf("no %q vectors", op)
		}
	}
}

// TestMetadataChecksCatchCorruption shows that the check can fail: every
// derived field of every vector (the URI of an insert, the summary of a
// parse, the rule of a reject), corrupted in one character, is reported.
func TestMetadataChecksCatchCorruption(t *testing.T) {
	mc := newMetaChecker()
	n := 0
	for _, v := range readMetaVectors(t) {
		field := map[string]*string{"insert": &v.URI, "parse": &v.Summary, "reject": &v.Rule}[v.Op]
		for _, bad := range corruptions(*field) {
			good := *field
			*field = bad
			n++
			if mc.check(v) == nil {
				t.Errorf("%s: corrupted to %.80q, passes", v.Name, bad)
			}
			*field = good
		}
	}
	t.Logf("%d corrupted vectors, each caught", n)
}

func readMetaVectors(t *testing.T) []metaVector {
	t.Helper()
	vs, err := vectorfile.Read(metaVectorDir, func(v *metaVector) string { return v.Name })
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// metaChecker checks metadata vectors.
type metaChecker struct {
	ins *inserter
}

func newMetaChecker() *metaChecker {
	return &metaChecker{ins: &inserter{field: newLeoField()}}
}

// insertURIs remembers the URIs of inserts, by their inputs: the larger
// take seconds.
var insertURIs = struct {
	sync.Mutex
	m map[metaVector]string
}{m: map[metaVector]string{}}

// insertURI computes the URI of an insert vector.
func (mc *metaChecker) insertURI(v metaVector) (string, error) {
	in := metaVector{DataHex: v.DataHex, DataSeed: v.DataSeed, DataLen: v.DataLen, ContentType: v.ContentType, DontCompress: v.DontCompress}
	insertURIs.Lock()
	defer insertURIs.Unlock()
	if u, ok := insertURIs.m[in]; ok {
		return u, nil
	}
	data, err := hex.DecodeString(v.DataHex)
	if err != nil {
		return "", err
	}
	if v.DataLen > 0 {
		// The vector's data: ChaCha8 keyed by the seed as its first byte
		// (tools/metavectors).
		data = make([]byte, v.DataLen)
		rand.NewChaCha8([32]byte{byte(v.DataSeed)}).Read(data)
	}
	u, err := mc.ins.insertCHK(data, v.ContentType, v.DontCompress)
	if err == nil {
		insertURIs.m[in] = u
	}
	return u, err
}

func (mc *metaChecker) check(v metaVector) error {
	doc, err := hex.DecodeString(v.Doc)
	if err != nil {
		return err
	}
	switch v.Op {
	case "insert":
		u, err := mc.insertURI(v)
		if err != nil {
			return err
		}
		if u != v.URI {
			return fmt.Errorf("URI %s, want %s", u, v.URI)
		}
	case "parse":
		d, rule := parseMetadata(doc)
		if rule != "" {
			return fmt.Errorf("rejected under %s", rule)
		}
		if got := d.String(); got != v.Summary {
			return fmt.Errorf("parsed to\n%s\nwant\n%s", got, v.Summary)
		}
		if !bytes.Equal(d.marshal(), doc) {
			return fmt.Errorf("does not serialize back to itself")
		}
	case "reject":
		if _, rule := parseMetadata(doc); rule != v.Rule {
			return fmt.Errorf("rejected under %q, the vector says %q", rule, v.Rule)
		}
	default:
		return fmt.Errorf("unknown op %q", v.Op)
	}
	return nil
}
