package routing

import (
	"math"
	"testing"

	"github.com/hamsnet/hams/keys"
)

func TestLocationOf(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want Location
	}{
		{0, 0}, {0.5, 1 << 63}, {0.25, 1 << 62}, {math.Nextafter(1, 0), math.MaxUint64 - 2047}, // 1-2^-53 is exact
	} {
		got, err := LocationOf(c.f)
		if err != nil || got != c.want {
			t.Errorf("LocationOf(%v) = %d, %v; want %d", c.f, got, err, c.want)
		}
	}
	for _, bad := range []float64{-0.1, 1, 1.5, math.NaN(), math.Inf(1)} {
		if _, err := LocationOf(bad); err == nil {
			t.Errorf("LocationOf(%v) accepted", bad)
		}
	}
	if l, _ := LocationOf(0.75); l.String() != "0.750000" {
		t.Errorf("String %q", l.String())
	}
}

func TestDistance(t *testing.T) {
	loc := func(f float64) Location { l, _ := LocationOf(f); return l }
	for _, c := range []struct{ a, b, want float64 }{
		{0.1, 0.3, 0.2}, {0.3, 0.1, 0.2}, {0.9, 0.1, 0.2}, {0.1, 0.9, 0.2}, {0, 0.5, 0.5}, {0.25, 0.25, 0},
	} {
		d := loc(c.a).DistanceTo(loc(c.b)).Float()
		if math.Abs(d-c.want) > 1e-12 {
			t.Errorf("distance(%v, %v) = %v, want %v", c.a, c.b, d, c.want)
		}
	}
	// The maximum is exactly half the circle, and distance is symmetric.
	if d := Location(0).DistanceTo(1 << 63); d != 1<<63 {
		t.Errorf("antipodal distance %d", d)
	}
	if Location(5).DistanceTo(math.MaxUint64) != 6 || Location(math.MaxUint64).DistanceTo(5) != 6 {
		t.Error("distance across 0 is not the short way round")
	}
}

func TestKeyLocation(t *testing.T) {
	var rk keys.RoutingKey
	rk[0], rk[7] = 0x80, 1
	if got := KeyLocation(rk); got != 1<<63|1 {
		t.Errorf("KeyLocation = %x", uint64(got))
	}
}
