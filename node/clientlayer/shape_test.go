package clientlayer

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/hamsnet/hams/keys"
)

// TestSegmentShapeRuleIsTheCodecs checks rule M11 (ValidSegmentShape)
// against the codec itself: for every k ≥ 1, m ≥ 1 with k + m ≤ 256 the
// client's Reed-Solomon codec (with the options inserts and fetches use)
// accepts the shape exactly when the rule allows it. Config.Validate and the
// parser agree with the rule, also beyond 256 blocks.
func TestSegmentShapeRuleIsTheCodecs(t *testing.T) {
	c := newClient(t, newMemStore(), Config{})
	valid := 0
	for k := 1; k <= 256; k++ {
		for m := 1; k+m <= 256; m++ {
			_, err := c.reedSolomon(k, m)
			if ok := ValidSegmentShape(k, m); ok != (err == nil) {
				t.Errorf("k=%d m=%d: rule says %v, codec says %v", k, m, ok, err)
			}
			if err == nil {
				valid++
			}
			clear(c.rss) // keep memory flat
		}
	}
	// The count of k ≥ 1, m ≥ 1 with k + m′ ≤ 256: Σ over m′ = 1, 2, 4, …, 128
	// of (256 − m′)·(number of m with that m′).
	if valid != 21845 {
		t.Errorf("%d valid shapes, want 21845", valid)
	}
	for _, km := range [][2]int{{200, 56}, {150, 100}, {129, 127}, {193, 64}, {1, 129}, {0, 1}, {1, 0}} {
		if ValidSegmentShape(km[0], km[1]) {
			t.Errorf("%v allowed", km)
		}
	}
	for _, km := range [][2]int{{128, 128}, {4, 2}, {192, 64}, {192, 33}, {252, 3}, {255, 1}, {1, 128}} {
		if !ValidSegmentShape(km[0], km[1]) {
			t.Errorf("%v refused", km)
		}
	}
	for k := 1; k <= 300; k++ {
		for m := 1; m <= 300; m++ {
			err := (Config{SegmentDataBlocks: k, SegmentCheckBlocks: m}).Validate()
			if ok := ValidSegmentShape(k, m); ok != (err == nil) {
				t.Fatalf("k=%d m=%d: rule says %v, Validate says %v", k, m, ok, err)
			}
			if err != nil && !strings.Contains(err.Error(), "M11") {
				t.Fatalf("k=%d m=%d: error does not name the rule: %v", k, m, err)
			}
			doc := shapeDoc(k, m)
			_, err = ParseMetadata(doc)
			var me *MetadataError
			switch {
			case ValidSegmentShape(k, m) && err != nil:
				t.Fatalf("k=%d m=%d: %v", k, m, err)
			case !ValidSegmentShape(k, m) && (!errors.As(err, &me) || me.Rule != "M11"):
				t.Fatalf("k=%d m=%d: parsed with %v, want M11", k, m, err)
			}
		}
	}
}

// shapeDoc is a one-block splitfile document of shape k, m with the right
// number of (zero) block keys.
func shapeDoc(k, m int) []byte {
	b := []byte{'H', 'M', 'D', 1, byte(DocSplitfile), 0, 0, 0, 0}
	b = binary.BigEndian.AppendUint64(b, 100)
	b = binary.BigEndian.AppendUint64(b, 100)
	b = binary.BigEndian.AppendUint16(b, uint16(k))
	b = binary.BigEndian.AppendUint16(b, uint16(m))
	return append(b, make([]byte, 64*(1+(m+k-1)/k))...)
}

// TestInsertedShapesEncodable checks that every segment an insert can make
// is encodable: for every valid configured shape (k, m) and every size of
// the last segment d = 1 … k (a file of k + d blocks), the segments
// SegmentLayout gives (those the inserter encodes and the document
// describes) have valid shapes the codec accepts, and the block count the
// parser expects is theirs.
func TestInsertedShapesEncodable(t *testing.T) {
	c := newClient(t, newMemStore(), Config{})
	seen := map[[2]int]bool{}
	for k := 1; k <= 256; k++ {
		for m := 1; k+m <= 256; m++ {
			if !ValidSegmentShape(k, m) {
				continue
			}
			for d := 1; d <= k; d++ {
				length := int64(k+d-1)*keys.CHKDataSize + 1
				segs := SegmentLayout(length, k, m)
				if len(segs) != 2 || segs[0].Data != k || segs[0].Check != m || segs[1].Data != d {
					t.Fatalf("k=%d m=%d d=%d: segments %+v", k, m, d, segs)
				}
				last := segs[1]
				if n := splitfileBlockCount(length, k, m); n != int64(last.First+last.Data+last.Check) {
					t.Fatalf("k=%d m=%d d=%d: %d blocks, layout has %d", k, m, d, n, last.First+last.Data+last.Check)
				}
				seen[[2]int{last.Data, last.Check}] = true
			}
		}
	}
	for dc := range seen {
		if !ValidSegmentShape(dc[0], dc[1]) {
			t.Errorf("a last segment of %d+%d blocks breaks rule M11", dc[0], dc[1])
		}
		if _, err := c.reedSolomon(dc[0], dc[1]); err != nil {
			t.Errorf("a last segment of %d+%d blocks: %v", dc[0], dc[1], err)
		}
	}
	t.Logf("%d distinct last-segment shapes, all encodable", len(seen))
	// The default shape's short segments, explicitly.
	for d := 1; d <= DefaultSegmentDataBlocks; d++ {
		segs := SegmentLayout(int64(d)*keys.CHKDataSize, DefaultSegmentDataBlocks, DefaultSegmentCheckBlocks)
		if _, err := c.reedSolomon(segs[0].Data, segs[0].Check); err != nil {
			t.Errorf("default shape, %d data blocks: %v", d, err)
		}
	}
}

// TestConfigRefusesUnencodableShapes: shapes with k + m ≤ 256 that the codec
// cannot encode fail New with an error naming rule M11, instead of failing
// every large insert.
func TestConfigRefusesUnencodableShapes(t *testing.T) {
	for _, km := range [][2]int{{200, 56}, {150, 100}, {129, 127}} {
		_, err := New(newMemStore(), Config{SegmentDataBlocks: km[0], SegmentCheckBlocks: km[1]})
		if err == nil || !strings.Contains(err.Error(), "rule M11") || !strings.Contains(err.Error(), "m′ = ") {
			t.Errorf("%v: %v", km, err)
		}
	}
	// A marshalled document of such a shape is refused too, so no inserter
	// can write one.
	_, err := (&Metadata{Type: DocSplitfile, Size: 100, Length: 100, SegmentData: 200, SegmentCheck: 56,
		Blocks: make([]BlockKey, 2)}).MarshalBinary()
	var me *MetadataError
	if !errors.As(err, &me) || me.Rule != "M11" {
		t.Errorf("marshal of a 200+56 splitfile: %v", err)
	}
}
