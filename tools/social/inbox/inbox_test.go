package inbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/tools/social/feed"
	"golang.org/x/crypto/curve25519"
)

func TestID(t *testing.T) {
	req, ins := testFeed(t, 1)
	other, _ := testFeed(t, 2)
	sum := sha256.Sum256(append([]byte("hams/v1/inbox\n"), req.Key[:]...))
	want := strings.ToLower(base32.StdEncoding.EncodeToString(sum[:16]))
	want = strings.TrimRight(want, "=")
	if len(want) != IDLength {
		t.Fatalf("reference ID %q is not %d characters", want, IDLength)
	}
	for _, uri := range []string{
		req.String(),
		req.WithEdition(77).String(),
		req.WithEdition(-2).String(),
		"freenet:" + req.WithEdition(3).String(),
		"usk" + strings.TrimPrefix(req.String(), "USK"),
	} {
		if got, err := ID(uri); err != nil || got != want {
			t.Errorf("ID(%s) = %q, %v; want %q", uri, got, err, want)
		}
	}
	if o, _ := ID(other.String()); o == want {
		t.Error("two feeds have one inbox ID")
	}
	for _, uri := range []string{
		ins.String(),
		req.String() + "/meta",
		strings.Replace(req.String(), feed.SiteName, "blog", 1),
		strings.Replace(req.String(), "USK@", "SSK@", 1),
		"KSK@hello",
		"",
	} {
		_, err := ID(uri)
		wantCode(t, err, CodeBadArgument, "feed")
		var fe *feed.Error
		if !errors.As(err, &fe) {
			t.Errorf("ID(%q): %v does not wrap the feed error", uri, err)
		}
	}
}

func TestSlot(t *testing.T) {
	req, _ := testFeed(t, 1)
	id, err := ID(req.String())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		day  time.Time
		n    int
		want string
	}{
		{time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), 0, "2026-12-05-0"},
		{time.Date(2026, 12, 5, 23, 59, 59, 999, time.UTC), 1023, "2026-12-05-1023"},
		// 01:30 in UTC+3 is 22:30 UTC of the day before.
		{time.Date(2026, 12, 6, 1, 30, 0, 0, time.FixedZone("+3", 3*3600)), 5, "2026-12-05-5"},
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 10, "1970-01-01-10"},
		{time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC), 999, "9999-12-31-999"},
	}
	for _, tt := range tests {
		s := Slot(id, tt.day, tt.n)
		if s != "KSK@hams-inbox-"+id+"-"+tt.want {
			t.Errorf("Slot(%v, %d) = %s", tt.day, tt.n, s)
		}
		gid, day, n, err := ParseSlot(s)
		if err != nil || gid != id || n != tt.n || day.Format(DayLayout) != tt.day.UTC().Format(DayLayout) || day.Hour() != 0 {
			t.Errorf("ParseSlot(%s) = %s %v %d %v", s, gid, day, n, err)
		}
	}
}

func TestSlotPanics(t *testing.T) {
	req, _ := testFeed(t, 1)
	id, _ := ID(req.String())
	for name, f := range map[string]func(){
		"n -1":    func() { Slot(id, t0, -1) },
		"n 1024":  func() { Slot(id, t0, MaxSlots) },
		"bad id":  func() { Slot(strings.ToUpper(id), t0, 0) },
		"no id":   func() { Slot("", t0, 0) },
		"1969":    func() { Slot(id, time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC), 0) },
		"10000":   func() { Slot(id, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), 0) },
		"zero ti": func() { Slot(id, time.Time{}, 0) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestParseSlotRejects(t *testing.T) {
	req, _ := testFeed(t, 1)
	id, _ := ID(req.String())
	good := Slot(id, t0, 12)
	for _, s := range []string{
		"",
		"KSK@hams-inbox-",
		good + "/",
		good + "0000",
		strings.Replace(good, "-12", "-012", 1),
		strings.Replace(good, "-12", "-", 1),
		strings.Replace(good, "-12", "-1x", 1),
		strings.Replace(good, "-12", "-99999", 1),
		strings.Replace(good, "-12", "-1024", 1),
		strings.Replace(good, "2026-12-05", "2026-13-05", 1),
		strings.Replace(good, "2026-12-05", "2026/12/05", 1),
		strings.Replace(good, "2026-12-05", "0000-12-05", 1),
		strings.Replace(good, "KSK@", "SSK@", 1),
		strings.Replace(good, id, id[:25]+"=", 1),
		strings.Replace(good, id, id[1:], 1),
		strings.Replace(good, "hams-inbox-", "hams-inbox--", 1),
		" " + good,
	} {
		_, _, _, err := ParseSlot(s)
		wantCode(t, err, CodeBadArgument, "slot")
	}
}

func TestKeys(t *testing.T) {
	a, b := testKey(t, 1), testKey(t, 1)
	if a != b {
		t.Fatal("the same randomness gives two key pairs")
	}
	if c := testKey(t, 2); c == a {
		t.Fatal("two seeds give one key pair")
	}
	pub, err := curve25519.X25519(a.Private[:], curve25519.Basepoint)
	if err != nil || [32]byte(pub) != a.Public {
		t.Fatalf("Public is not X25519(Private, base): %v", err)
	}
	s := EncodeBox(a.Public)
	if len(s) != BoxLength || strings.ContainsAny(s, "+/=") {
		t.Fatalf("EncodeBox = %q", s)
	}
	if k, err := ParseBox(s); err != nil || k != a.Public {
		t.Fatalf("ParseBox(EncodeBox) = %x, %v", k, err)
	}
	if _, err := GenerateKey(errReader{}); err == nil {
		t.Fatal("GenerateKey without randomness")
	}
	last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", s[42])
	for _, bad := range []string{
		"",
		s[:42],
		s + "A",
		s + "=",
		"+" + s[1:], // the standard alphabet
		"/" + s[1:],
		s[:42] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[(last+1)%64]), // trailing bits
		s[:20] + "\n" + s[21:],
		s[:20] + " " + s[21:],
	} {
		_, err := ParseBox(bad)
		wantCode(t, err, CodeBadArgument, "box")
	}
}

func TestClass(t *testing.T) {
	for _, tt := range []struct{ n, class int }{
		{0, 512}, {1, 512}, {512, 512}, {513, 2048}, {2048, 2048}, {2049, 8192}, {8192, 8192},
		{8193, 16384}, {16384, 16384}, {16385, 0}, {1 << 30, 0},
	} {
		if got := Class(tt.n); got != tt.class {
			t.Errorf("Class(%d) = %d, want %d", tt.n, got, tt.class)
		}
	}
	if EnvelopeSize(512) != 574 || EnvelopeSize(16384) != 16446 || EnvelopeSize(16384) > MaxEnvelopeSize {
		t.Errorf("EnvelopeSize: %d, %d", EnvelopeSize(512), EnvelopeSize(16384))
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{errorf(CodeBadNote, "from", "x %d", 1), "inbox: bad note: from: x 1"},
		{errorf(CodeWork, "", "y"), "inbox: not enough work: y"},
		{errorf(CodeBadEnvelope, "magic", "z"), "inbox: bad envelope: magic: z"},
	} {
		if tt.err.Error() != tt.want {
			t.Errorf("%q, want %q", tt.err, tt.want)
		}
	}
	if errors.Is(errorf(CodeWork, "", "y"), ErrBadNote) || !errors.Is(errorf(CodeWork, "", "y"), ErrWork) {
		t.Error("errors.Is matches the wrong sentinel")
	}
	if CodeOf(errors.New("x")) != 0 || PathOf(errors.New("x")) != "" || Code(99).String() != "code 99" {
		t.Error("CodeOf, PathOf or String of a foreign error")
	}
}

func TestKeyFromPrivate(t *testing.T) {
	kp, err := GenerateKey(bytes.NewReader(bytes.Repeat([]byte{9}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if got := KeyFromPrivate(kp.Private); got != kp {
		t.Fatalf("KeyFromPrivate = %x, want %x", got.Public, kp.Public)
	}
}

func TestSlotWork(t *testing.T) {
	for _, tc := range []struct{ base, n, want int }{
		{20, 0, 20}, {20, 63, 20}, {20, 64, 21}, {20, 191, 21}, {20, 192, 22}, {20, 447, 22},
		{20, 448, 23}, {20, 959, 23}, {20, 960, 24}, {20, 1023, 24}, {30, 1023, 32}, {16, 100, 17},
	} {
		if got := SlotWork(tc.base, tc.n); got != tc.want {
			t.Errorf("SlotWork(%d, %d) = %d, want %d", tc.base, tc.n, got, tc.want)
		}
	}
	// Filling a day costs about six times 1024 notes at the base.
	total := 0.0
	for n := range MaxSlots {
		total += float64(uint64(1) << (SlotWork(20, n) - 20))
	}
	if total < 6*MaxSlots || total > 7*MaxSlots {
		t.Errorf("a full day costs %.0f notes at the base", total)
	}
}
