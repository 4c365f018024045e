package noderef

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hamsnet/hams/routing"
)

// testKey returns a fixed Ed25519 key for purpose: tests draw no randomness.
func testKey(purpose string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("noderef test " + purpose))
	return ed25519.NewKeyFromSeed(seed[:])
}

const (
	testOnionA = "coesqx3fn52qneu4c3c36e4xrixob5nxdkpn4bpsq5dwvxmemod4a7ad.onion:443"
	testOnionB = "rnzitfrpdmwznotg2gm6j7cca2slinbwdlugixskureaywx6xjozuhqd.onion:9700"
)

// fullRef is an unsigned ref with every field set.
func fullRef() Ref {
	return Ref{
		Noise:    [32]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17},
		Location: routing.Location(0x1234567890abcdef),
		Name:     "test node ✓",
		TCP:      []string{"127.0.0.1:9700", "[::1]:9700", "[2001:db8::42]:65535"},
		Onion:    []string{testOnionA, testOnionB},
		Extra:    map[string]string{"physical.i2p": "x.b32.i2p", "a": "first", "zz": "last"},

		Protocol:    3,
		MinProtocol: 2,
		Features:    []string{"offers", "peerlocations", "z-unknown-9"},
	}
}

func mustNew(t testing.TB, priv ed25519.PrivateKey, r Ref) Ref {
	t.Helper()
	s, err := New(priv, r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// forceSign signs r as New does but without New's checks, so that a test
// can hand Parse a correctly signed ref that breaks a field rule.
func forceSign(priv ed25519.PrivateKey, r Ref) Ref {
	r.Version = Version
	r.Identity = priv.Public().(ed25519.PublicKey)
	if len(r.TCP) == 0 {
		r.TCP = nil
	}
	if len(r.Onion) == 0 {
		r.Onion = nil
	}
	if len(r.Features) == 0 {
		r.Features = nil
	}
	if len(r.Extra) == 0 {
		r.Extra = nil
	}
	r.Signature = ed25519.Sign(priv, r.signedMessage())
	return r
}

// clone deep-copies r, so that a test can change the copy.
func clone(r Ref) Ref {
	r.Identity = slices.Clone(r.Identity)
	r.TCP = slices.Clone(r.TCP)
	r.Onion = slices.Clone(r.Onion)
	r.Features = slices.Clone(r.Features)
	r.Extra = maps.Clone(r.Extra)
	r.Signature = slices.Clone(r.Signature)
	return r
}

func TestRoundTrip(t *testing.T) {
	priv := testKey("round trip")
	for name, in := range map[string]Ref{
		"full":     fullRef(),
		"minimal":  {Location: 1},
		"tcp":      {TCP: []string{"10.0.0.1:1"}},
		"onion":    {Onion: []string{testOnionB}},
		"protocol": {Protocol: 2},
		"features": {Protocol: 1, MinProtocol: 1, Features: []string{"offers"}},
		"empty":    {TCP: []string{}, Onion: []string{}, Features: []string{}, Extra: map[string]string{}},
	} {
		t.Run(name, func(t *testing.T) {
			r := mustNew(t, priv, in)
			if r.Version != 1 || !r.Identity.Equal(priv.Public()) || len(r.Signature) != 64 {
				t.Fatalf("New = %+v", r)
			}
			text := r.Marshal()
			p, err := Parse(text)
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			if !reflect.DeepEqual(p, r) {
				t.Fatalf("Parse(Marshal(r)) = %+v, want %+v", p, r)
			}
			if string(p.Marshal()) != string(text) {
				t.Fatal("Marshal is not stable")
			}
			f, err := FromFields(r.Fields())
			if err != nil || !reflect.DeepEqual(f, r) {
				t.Fatalf("FromFields(Fields()) = %+v, %v", f, err)
			}
			// New is deterministic, and signing a parsed ref again gives it back.
			if again := mustNew(t, priv, p); !reflect.DeepEqual(again, r) {
				t.Fatal("New of a parsed ref differs")
			}
		})
	}
}

func TestCanonicalOrder(t *testing.T) {
	r := mustNew(t, testKey("order"), fullRef())
	var got []string
	for _, f := range r.Fields() {
		got = append(got, f[0])
	}
	want := []string{"a", "identity", "location", "myName", "noise", "physical.i2p", "physical.onion",
		"physical.tcp", "protocol", "protocol.features", "protocol.min", "version", "zz", "sig"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("keys %v, want %v", got, want)
	}
	text := string(r.Marshal())
	if !strings.HasPrefix(text, "a=first\nidentity=") || !strings.HasSuffix(text, "\nzz=last\nsig="+r.Fields()[13][1]+"\nEnd\n") {
		t.Fatalf("text:\n%s", text)
	}
	if !strings.Contains(text, "\nphysical.tcp=127.0.0.1:9700;[::1]:9700;[2001:db8::42]:65535\n") {
		t.Fatal("the TCP list is not written in the given order")
	}
	if !strings.Contains(text, "\nlocation=1234567890abcdef\n") {
		t.Fatal("location not 16 hex digits")
	}
	if !strings.Contains(text, "\nprotocol=3\nprotocol.features=offers;peerlocations;z-unknown-9\nprotocol.min=2\n") {
		t.Fatal("the protocol fields are not written as given")
	}
}

func TestFromFieldsAnyOrder(t *testing.T) {
	r := mustNew(t, testKey("fields"), fullRef())
	fs := r.Fields()
	slices.Reverse(fs)
	got, err := FromFields(fs)
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("reversed fields: %+v, %v", got, err)
	}
	// Parse accepts any order and a missing final LF too.
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f[0] + "=" + f[1] + "\n")
	}
	b.WriteString("End")
	got, err = Parse([]byte(b.String()))
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("reversed text: %+v, %v", got, err)
	}
}

func TestFromFieldsRejects(t *testing.T) {
	good := mustNew(t, testKey("fields"), Ref{TCP: []string{"192.0.2.1:1"}}).Fields()
	with := func(k, v string) [][2]string {
		return append(slices.Clone(good), [2]string{k, v})
	}
	for name, c := range map[string]struct {
		fs   [][2]string
		rule string
	}{
		"lf in value":     {with("x", "a\nb"), "N1"},
		"cr in key":       {with("x\r", "b"), "N1"},
		"not utf8":        {with("x", "\xff"), "N1"},
		"too many":        {slices.Repeat(good, 6), "N1"},
		"End":             {with("End", "x"), "N2"},
		"key with =":      {with("a=b", "c"), "N2"},
		"empty value":     {with("x", ""), "N2"},
		"duplicate":       {append(slices.Clone(good), good[0]), "N3"},
		"bad tcp":         {append(slices.Clone(good[:3]), [2]string{"physical.tcp", "h:1"}, good[4], good[5]), "N9"},
		"tampered":        {append(slices.Clone(good[:1]), [2]string{"location", "0000000000000001"}, good[2], good[3], good[4], good[5]), "N12"},
		"no fields":       {nil, "N4"},
		"only the sig":    {good[5:], "N4"},
		"value with a NL": {append(slices.Clone(good[:2]), [2]string{"myName", "a\nb"}), "N1"},
	} {
		_, err := FromFields(c.fs)
		if got := RuleOf(err); got != c.rule {
			t.Errorf("%s: rule %q, want %q (%v)", name, got, c.rule, err)
		}
	}
}

// TestTamper checks that changing any signed part of a ref, or its
// signature, makes it fail [N12].
func TestTamper(t *testing.T) {
	priv := testKey("tamper")
	r := mustNew(t, priv, fullRef())
	muts := map[string]func(*Ref){
		"identity":      func(r *Ref) { r.Identity = testKey("other").Public().(ed25519.PublicKey) },
		"noise":         func(r *Ref) { r.Noise[31] ^= 1 },
		"location":      func(r *Ref) { r.Location++ },
		"name":          func(r *Ref) { r.Name = "test node ✗" },
		"no name":       func(r *Ref) { r.Name = "" },
		"tcp order":     func(r *Ref) { slices.Reverse(r.TCP) },
		"tcp removed":   func(r *Ref) { r.TCP = r.TCP[:1] },
		"tcp port":      func(r *Ref) { r.TCP[0] = "127.0.0.1:9701" },
		"onion removed": func(r *Ref) { r.Onion = nil },
		"onion order":   func(r *Ref) { slices.Reverse(r.Onion) },
		"extra value":   func(r *Ref) { r.Extra["a"] = "second" },
		"extra added":   func(r *Ref) { r.Extra["b"] = "new" },
		"extra removed": func(r *Ref) { delete(r.Extra, "zz") },
		"protocol":      func(r *Ref) { r.Protocol = 4 },
		"no protocol":   func(r *Ref) { r.Protocol, r.MinProtocol, r.Features = 0, 0, nil },
		"min":           func(r *Ref) { r.MinProtocol = 1 },
		"no min":        func(r *Ref) { r.MinProtocol = 0 },
		"feature added": func(r *Ref) { r.Features = append(r.Features, "zz") },
		"no features":   func(r *Ref) { r.Features = nil },
	}
	for i := range 64 {
		muts["sig byte "+string(rune('A'+i/26))+string(rune('a'+i%26))] = func(r *Ref) { r.Signature[i] ^= 0x10 }
	}
	for name, mut := range muts {
		m := clone(r)
		mut(&m)
		_, err := Parse(m.Marshal())
		if RuleOf(err) != "N12" {
			t.Errorf("%s: %v, want N12", name, err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Rule != "N12" || !errors.Is(err, &Error{Rule: "N12"}) {
			t.Errorf("%s: errors.As/Is do not find N12 in %v", name, err)
		}
	}
}

// TestNewChecks checks that New refuses what Parse would refuse, with the
// rule Parse reports for the same fields signed anyway.
func TestNewChecks(t *testing.T) {
	priv := testKey("new checks")
	many := make([]string, MaxAddresses+1)
	for i := range many {
		many[i] = "192.0.2." + string(rune('1'+i)) + ":1"
	}
	bigExtra := map[string]string{}
	for i := range MaxFields - 4 {
		bigExtra[strconv.Itoa(i)] = "1"
	}
	manyFeatures := make([]string, MaxFeatures+1)
	for i := range manyFeatures {
		manyFeatures[i] = strings.Repeat("f", MaxFeatureLength-2) + strconv.Itoa(10+i)
	}
	cases := map[string]struct {
		r    Ref
		rule string
	}{
		"long name":        {Ref{Name: strings.Repeat("n", 65)}, "N8"},
		"name with LF":     {Ref{Name: "a\nb"}, "N8"},
		"name with DEL":    {Ref{Name: "a\x7fb"}, "N8"},
		"name not utf8":    {Ref{Name: "a\xffb"}, "N1"},
		"extra not utf8":   {Ref{Extra: map[string]string{"x": "\xff"}}, "N1"},
		"tcp not utf8":     {Ref{TCP: []string{"\xff"}}, "N1"},
		"host name":        {Ref{TCP: []string{"example.com:80"}}, "N9"},
		"two in one":       {Ref{TCP: []string{"192.0.2.1:1;192.0.2.2:1"}}, "N9"},
		"empty tcp item":   {Ref{TCP: []string{""}}, "N9"},
		"broadcast":        {Ref{TCP: []string{"255.255.255.255:1"}}, "N9"},
		"ipv6 unspecified": {Ref{TCP: []string{"[::]:1"}}, "N9"},
		"too many tcp":     {Ref{TCP: many}, "N9"},
		"onion uppercase":  {Ref{Onion: []string{strings.ToUpper(testOnionA)}}, "N10"},
		"onion no port":    {Ref{Onion: []string{testOnionA[:62]}}, "N10"},
		"onion port 070":   {Ref{Onion: []string{testOnionA[:63] + "070"}}, "N10"},
		"extra bad key":    {Ref{Extra: map[string]string{"Bad": "1"}}, "N2"},
		"extra empty":      {Ref{Extra: map[string]string{"x": ""}}, "N2"},
		"extra control":    {Ref{Extra: map[string]string{"x": "a\x00"}}, "N2"},
		"extra known key":  {Ref{Extra: map[string]string{"location": "0000000000000000"}}, "N3"},
		"too many fields":  {Ref{Extra: bigExtra}, "N1"},
		"too big":          {Ref{Extra: map[string]string{"x": strings.Repeat("v", MaxSize)}}, "N1"},

		"extra protocol":    {Ref{Extra: map[string]string{"protocol": "1"}}, "N3"},
		"protocol -1":       {Ref{Protocol: -1}, "N13"},
		"protocol 65536":    {Ref{Protocol: MaxProtocol + 1}, "N13"},
		"min -1":            {Ref{Protocol: 1, MinProtocol: -1}, "N13"},
		"min above":         {Ref{Protocol: 1, MinProtocol: 2}, "N13"},
		"min alone":         {Ref{MinProtocol: 1}, "N13"},
		"features alone":    {Ref{Features: []string{"offers"}}, "N13"},
		"features unsorted": {Ref{Protocol: 1, Features: []string{"b", "a"}}, "N13"},
		"feature twice":     {Ref{Protocol: 1, Features: []string{"a", "a"}}, "N13"},
		"feature empty":     {Ref{Protocol: 1, Features: []string{"a", ""}}, "N13"},
		"feature upper":     {Ref{Protocol: 1, Features: []string{"A"}}, "N13"},
		"feature with ;":    {Ref{Protocol: 1, Features: []string{"a;b"}}, "N13"},
		"feature long":      {Ref{Protocol: 1, Features: []string{strings.Repeat("f", MaxFeatureLength+1)}}, "N13"},
		"feature not utf8":  {Ref{Protocol: 1, Features: []string{"\xff"}}, "N1"},
		"too many features": {Ref{Protocol: 1, Features: manyFeatures}, "N13"},
	}
	for name, c := range cases {
		_, err := New(priv, c.r)
		if RuleOf(err) != c.rule || !strings.HasPrefix(err.Error(), "noderef: ["+c.rule+"] ") {
			t.Errorf("%s: New: %v, want %s", name, err, c.rule)
			continue
		}
		switch name {
		case "two in one", "name with LF", "extra known key", "empty tcp item", "extra protocol", "feature with ;":
			continue // their text has other lines, keys or values: Parse sees another ref
		}
		_, err = Parse(forceSign(priv, c.r).Marshal())
		if RuleOf(err) != c.rule {
			t.Errorf("%s: Parse of the force-signed ref: %v, want %s", name, err, c.rule)
		}
	}
	// At the limits, New accepts: 32 fields (version, identity, noise,
	// location, myName, physical.tcp, 25 unknown, sig).
	bigExtra = maps.Clone(bigExtra)
	delete(bigExtra, "0")
	delete(bigExtra, "1")
	delete(bigExtra, "2")
	if _, err := New(priv, Ref{Name: strings.Repeat("n", 64), TCP: many[:MaxAddresses], Extra: bigExtra}); err != nil {
		t.Errorf("at the limits: %v", err)
	}
	r, err := New(priv, Ref{Protocol: MaxProtocol, MinProtocol: MaxProtocol, Features: manyFeatures[:MaxFeatures]})
	if err != nil {
		t.Fatalf("protocol fields at the limits: %v", err)
	}
	if p, err := Parse(r.Marshal()); err != nil || !reflect.DeepEqual(p, r) {
		t.Errorf("protocol fields at the limits: Parse = %+v, %v", p, err)
	}
}

func TestProtocol(t *testing.T) {
	priv := testKey("protocol")
	for _, c := range []struct {
		in           Ref
		version, min int
		negotiates   bool
		features     []string
	}{
		{Ref{}, 1, 1, false, nil},
		{Ref{Protocol: 3}, 3, 1, true, nil},
		{Ref{Protocol: 3, MinProtocol: 2, Features: []string{"a", "b"}}, 3, 2, true, []string{"a", "b"}},
		{Ref{Protocol: 1, Features: []string{}}, 1, 1, true, nil},
	} {
		r, err := Parse(mustNew(t, priv, c.in).Marshal())
		if err != nil {
			t.Fatal(err)
		}
		if r.Protocol != c.in.Protocol || r.MinProtocol != c.in.MinProtocol || !reflect.DeepEqual(r.Features, c.features) ||
			r.ProtocolVersion() != c.version || r.MinProtocolVersion() != c.min || r.Negotiates() != c.negotiates {
			t.Errorf("%+v: read as protocol %d (version %d), min %d (version %d), features %q, negotiates %v",
				c.in, r.Protocol, r.ProtocolVersion(), r.MinProtocol, r.MinProtocolVersion(), r.Features, r.Negotiates())
		}
	}
	// A ref without the field predates negotiation: no features are made up.
	r := mustNew(t, priv, Ref{TCP: []string{"192.0.2.1:1"}})
	if strings.Contains(string(r.Marshal()), "protocol") || r.Features != nil || r.Negotiates() {
		t.Errorf("a ref without protocol: %+v", r)
	}
}

func TestNewArguments(t *testing.T) {
	priv := testKey("args")
	if _, err := New(priv[:32], Ref{}); err == nil || RuleOf(err) != "" || !strings.HasPrefix(err.Error(), "noderef: ") {
		t.Errorf("short private key: %v", err)
	}
	other := testKey("other").Public().(ed25519.PublicKey)
	if _, err := New(priv, Ref{Identity: other}); err == nil || RuleOf(err) != "" {
		t.Errorf("identity of another key: %v", err)
	}
	if _, err := New(priv, Ref{Version: 2}); RuleOf(err) != "N4" {
		t.Errorf("version 2: %v", err)
	}
	// New copies: changing its input afterwards changes nothing.
	in := fullRef()
	r := mustNew(t, priv, in)
	in.TCP[0], in.Onion[0], in.Extra["a"] = "x", "y", "z"
	if _, err := Parse(r.Marshal()); err != nil {
		t.Errorf("New's result shares memory with its input: %v", err)
	}
	// The signature of the input is ignored.
	in = fullRef()
	in.Signature = []byte("junk")
	if got := mustNew(t, priv, in); !reflect.DeepEqual(got, r) {
		t.Error("a Signature in the input changes the result")
	}
}

func TestID(t *testing.T) {
	r := mustNew(t, testKey("id"), Ref{})
	if len(r.ID()) != 43 || !strings.Contains(string(r.Marshal()), "identity="+r.ID()+"\n") {
		t.Fatalf("ID %q", r.ID())
	}
}

func TestErrorFormat(t *testing.T) {
	for _, c := range []struct {
		e    Error
		want string
	}{
		{Error{Rule: "N3", Field: "location", Msg: "key appears twice"}, "noderef: [N3] location: key appears twice"},
		{Error{Rule: "N1", Msg: "no End line"}, "noderef: [N1] no End line"},
		{Error{Msg: "private key of 3 bytes"}, "noderef: private key of 3 bytes"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%q, want %q", got, c.want)
		}
	}
	if RuleOf(nil) != "" || RuleOf(errors.New("x")) != "" {
		t.Error("RuleOf of a foreign error")
	}
	if errors.Is(&Error{Rule: "N3"}, &Error{Rule: "N4"}) || errors.Is(&Error{}, &Error{}) {
		t.Error("Is matches another rule, or no rule")
	}
}
