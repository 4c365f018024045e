package routing

import (
	"encoding/binary"
	"fmt"

	"github.com/hamsnet/hams/keys"
)

// Location is a point on the circle [0,1), in 64-bit fixed point: Location
// x stands for x/2^64. Fixed point makes every comparison exact and the
// same on every platform, which the simulator's determinism relies on.
type Location uint64

// Distance is the circular distance between two locations, in the same
// fixed point: at most 2^63 (half the circle).
type Distance uint64

// LocationOf returns the location f in [0,1) as a Location (rounded down).
// It fails for NaN and values outside [0,1).
func LocationOf(f float64) (Location, error) {
	if !(f >= 0 && f < 1) {
		return 0, fmt.Errorf("routing: location %v is not in [0,1)", f)
	}
	// f < 1 has at most 53 significant bits, so f*2^64 < 2^64 exactly.
	return Location(f * (1 << 64)), nil
}

// Float returns l as a float64 in [0,1) (rounded to the nearest float64, so
// a value within 2^-53 of 1 prints as 1).
func (l Location) Float() float64 { return float64(l) / (1 << 64) }

// String prints l as a decimal fraction with 6 digits.
func (l Location) String() string { return fmt.Sprintf("%.6f", l.Float()) }

// KeyLocation is the location of a routing key: its first 8 bytes, big
// endian. Routing keys are hash outputs, so their locations are uniform.
func KeyLocation(rk keys.RoutingKey) Location {
	return Location(binary.BigEndian.Uint64(rk[:8]))
}

// DistanceTo returns the circular distance from l to m.
func (l Location) DistanceTo(m Location) Distance {
	d := uint64(l - m) // wraps around the circle
	if e := uint64(m - l); e < d {
		d = e
	}
	return Distance(d)
}

// Float returns d as a fraction of the circle, in [0, 0.5].
func (d Distance) Float() float64 { return float64(d) / (1 << 64) }
