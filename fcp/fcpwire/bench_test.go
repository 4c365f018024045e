package fcpwire

import (
	"bytes"
	"strconv"
	"testing"
)

// manyFields returns a message of n distinct short fields.
func manyFields(n int) []byte {
	var b bytes.Buffer
	b.WriteString("ClientPutComplexDir\n")
	for i := 0; i < n; i++ {
		b.WriteString("Files.")
		b.WriteString(strconv.Itoa(i))
		b.WriteString(".Name=f\n")
	}
	b.WriteString("EndMessage\n")
	return b.Bytes()
}

// BenchmarkManyFields reads one message of 1,000 to 65,530 fields: the time
// per field must not grow with their number (it grew linearly, for
// quadratic time per message, before the name index).
func BenchmarkManyFields(b *testing.B) {
	for _, n := range []int{1000, 8000, 65530} {
		in := manyFields(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				m, err := NewReader(bytes.NewReader(in), Limits{}).ReadMessage()
				if err != nil || len(m.Fields) != n {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/field")
		})
	}
}
