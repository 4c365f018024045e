package tornet

import "time"

// The authorities' voting schedule, in seconds. Tor accepts no voting
// interval below 10 s once there is a consensus; before the first one it
// uses the initial interval, which may be as short as 5 s. Vote and
// distribution delays must add up to less than half the interval.
const (
	votingInterval        = 10
	initialVotingInterval = 5
	voteDelay             = 2
	distDelay             = 2
)

// voteAlignDelay returns how long to wait, from now, before starting the
// tors so that the first consensus lists every relay.
//
// Tor aligns consensus periods to the wall clock: a consensus becomes valid
// at every multiple of the initial interval, and the authorities vote
// voteDelay+distDelay seconds before that. An authority that starts inside
// the voting window votes at once, before the other tors have uploaded
// their descriptors, so the first consensus lists almost nobody and the
// next, complete one comes only a full votingInterval later. Starting just
// after the window closes instead leaves about two seconds to exchange
// descriptors before the first vote, which is plenty on one machine.
// Measured with tor 0.4.9: ready after 6-7 s instead of 17-19 s.
func voteAlignDelay(now time.Time) time.Duration {
	period := initialVotingInterval * time.Second
	phase := time.Duration(now.UnixNano() % int64(period))
	// The window opens at period-(vote+dist) s; a start up to 200 ms
	// before it is already too late for the descriptors to arrive.
	from := period - (voteDelay+distDelay)*time.Second - 200*time.Millisecond
	to := period - distDelay*time.Second
	if phase >= from && phase < to {
		return to - phase + 50*time.Millisecond
	}
	return 0
}
