package noderef

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hamsnet/hams/routing"
)

// canonicalLayout reports whether text is laid out as Marshal writes: keys
// sorted in byte order, sig last, and the final LF after End.
func canonicalLayout(text []byte) bool {
	fs, err := splitText(text)
	if err != nil || !bytes.HasSuffix(text, []byte("\nEnd\n")) || len(fs) == 0 || fs[len(fs)-1][0] != keySig {
		return false
	}
	for i := 1; i < len(fs)-1; i++ {
		if fs[i-1][0] >= fs[i][0] {
			return false
		}
	}
	return true
}

// checkCanonical checks that r, which Parse (verify) or the unverified
// parser returned for text, writes a canonical text that reads back as r,
// and that the canonical text is text when text was laid out canonically.
func checkCanonical(t *testing.T, text []byte, r Ref, verify bool) {
	t.Helper()
	m := r.Marshal()
	fs, err := splitText(m)
	if err != nil {
		t.Fatalf("Marshal of %q does not split: %v\n%s", text, err, m)
	}
	r2, err := parseFields(fs, verify)
	if err != nil {
		t.Fatalf("Marshal of %q does not parse: %v\n%s", text, err, m)
	}
	if !reflect.DeepEqual(r2, r) {
		t.Fatalf("%q: Parse(Marshal(r)) = %+v, want %+v", text, r2, r)
	}
	if canonicalLayout(text) && !bytes.Equal(m, text) {
		t.Fatalf("canonical input %q writes back as %q", text, m)
	}
	if !canonicalLayout(m) {
		t.Fatalf("Marshal wrote a non-canonical text %q", m)
	}
}

// FuzzParse checks that Parse never panics, fails only with a numbered
// rule, and that whatever it accepts writes back canonically: Parse of
// Marshal gives the same ref, and a canonical input writes back byte for
// byte. Since random changes rarely keep a signature valid, the same checks
// also run on the parser without signature verification.
func FuzzParse(f *testing.F) {
	vs, err := readVectors()
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range vs {
		if v.TextHex != "" {
			b, _ := hex.DecodeString(v.TextHex)
			f.Add(b)
		} else {
			f.Add([]byte(v.Text))
		}
	}
	for _, seed := range protocolSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		r, err := Parse(text)
		if err != nil {
			if rule := RuleOf(err); len(rule) < 2 || rule[0] != 'N' || !strings.HasPrefix(err.Error(), "noderef: ["+rule+"] ") {
				t.Fatalf("Parse(%q): error without a rule: %v", text, err)
			}
		} else {
			checkCanonical(t, text, r, true)
			f, err := FromFields(r.Fields())
			if err != nil || !reflect.DeepEqual(f, r) {
				t.Fatalf("FromFields(Fields()) = %+v, %v", f, err)
			}
		}
		fs, err := splitText(text)
		if err != nil {
			return
		}
		r0, err := parseFields(fs, false)
		if err != nil {
			if rule := RuleOf(err); rule == "N12" || rule == "" {
				t.Fatalf("unverified parse of %q: %v", text, err)
			}
			return
		}
		checkCanonical(t, text, r0, false)
	})
}

// protocolSeeds returns texts that exercise protocol, protocol.min and
// protocol.features: a signed ref with all three, and variants of it whose
// signature no longer verifies but that the unverified parser reads (some
// valid, some breaking N13 or N2).
func protocolSeeds(tb testing.TB) [][]byte {
	r := mustNew(tb, testKey("fuzz protocol"), Ref{TCP: []string{"192.0.2.1:9700"},
		Protocol: 2, MinProtocol: 1, Features: []string{"offers", "peerlocations"}})
	text := string(r.Marshal())
	seeds := [][]byte{[]byte(text)}
	for _, rep := range [][2]string{
		{"protocol=2\n", "protocol=65535\n"},
		{"protocol=2\n", "protocol=65536\n"},
		{"protocol=2\n", "protocol=0\n"},
		{"protocol=2\n", "protocol=02\n"},
		{"protocol=2\n", "protocol=+2\n"},
		{"protocol=2\n", ""},
		{"protocol.min=1\n", "protocol.min=2\n"},
		{"protocol.min=1\n", "protocol.min=3\n"},
		{"protocol.min=1\n", ""},
		{"offers;peerlocations", "a;b;c-1;" + strings.Repeat("z", MaxFeatureLength)},
		{"offers;peerlocations", "peerlocations;offers"},
		{"offers;peerlocations", "offers;offers"},
		{"offers;peerlocations", "offers;;peerlocations"},
		{"offers;peerlocations", "offers;"},
		{"offers;peerlocations", "Offers"},
		{"offers;peerlocations", ""},
		{"protocol.features=offers;peerlocations\n", ""},
	} {
		seeds = append(seeds, []byte(strings.Replace(text, rep[0], rep[1], 1)))
	}
	return seeds
}

// FuzzNew checks that New and Parse agree: a ref New signs parses back to
// itself, and a ref New refuses is not one Parse accepts unchanged when it
// is signed anyway.
func FuzzNew(f *testing.F) {
	f.Add("alice", "127.0.0.1:9700", "", "x.future", "1", uint64(0), 0, 0, "")
	f.Add("", "[2001:db8::1]:1;192.0.2.1:2", testOnionA, "", "", uint64(1)<<63, 2, 1, "offers;peerlocations")
	f.Add("a\tb", "[::ffff:1.2.3.4]:1", testOnionB+";"+testOnionA, "End", "x", ^uint64(0), 1, 2, "b;a")
	f.Add(strings.Repeat("n", 65), "localhost:1", strings.ToUpper(testOnionA), "version", "2", uint64(7), 0, 1, "x")
	f.Add("", "", "", "protocol", "1", uint64(3), 65536, -1, "a;;A;"+strings.Repeat("f", 33))
	priv := testKey("fuzz new")
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ";")
	}
	f.Fuzz(func(t *testing.T, name, tcp, onion, extraKey, extraValue string, loc uint64,
		protocol, minProtocol int, features string) {
		in := Ref{Noise: [32]byte{byte(loc)}, Location: routing.Location(loc), Name: name,
			TCP: split(tcp), Onion: split(onion), Protocol: protocol, MinProtocol: minProtocol, Features: split(features)}
		if extraKey != "" {
			in.Extra = map[string]string{extraKey: extraValue}
		}
		r, err := New(priv, in)
		if err != nil {
			if RuleOf(err) == "" || RuleOf(err) == "N12" {
				t.Fatalf("New: %v", err)
			}
			forced := forceSign(priv, clone(in))
			if p, err := Parse(forced.Marshal()); err == nil && reflect.DeepEqual(p, forced) {
				t.Fatalf("New refuses %+v (%v) but Parse accepts it", in, err)
			}
			return
		}
		if !slices.Equal(r.TCP, in.TCP) || r.Name != name || r.Location != in.Location ||
			r.Protocol != protocol || r.MinProtocol != minProtocol || !slices.Equal(r.Features, in.Features) {
			t.Fatalf("New changed the fields: %+v", r)
		}
		checkCanonical(t, r.Marshal(), r, true)
		p, err := Parse(r.Marshal())
		if err != nil || !reflect.DeepEqual(p, r) {
			t.Fatalf("Parse(Marshal(New)) = %+v, %v; want %+v", p, err, r)
		}
	})
}
