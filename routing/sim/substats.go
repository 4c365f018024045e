package sim

import (
	"slices"

	"github.com/hamsnet/hams/routing"
)

// SubscriptionSummary is what the subscription workload measured
// (Summary.Subscriptions). A delivery is one edition to one follower;
// post-to-visible is the time from the edition's insert to the follower
// seeing it.
type SubscriptionSummary struct {
	Feeds     int `json:"feeds"`
	Followers int `json:"followers"`
	Editions  int `json:"editions"`
	// PollS, DurationS and GraceS are the poll interval, the publishing
	// period and the grace period after it, in seconds.
	PollS     float64 `json:"poll_s"`
	DurationS float64 `json:"duration_s"`
	GraceS    float64 `json:"grace_s"`
	// OfferInterestS and RecentlyFailedS are the Cores' OfferInterestFor
	// and RecentlyFailedFor, in seconds.
	OfferInterestS  float64 `json:"offer_interest_s"`
	RecentlyFailedS float64 `json:"recently_failed_s"`

	// Deliveries is Feeds × Followers × Editions.
	Deliveries int `json:"deliveries"`
	// Inserted is the fraction of editions inserted whose insert ran its
	// course.
	Inserted float64 `json:"inserted"`
	// ByPoll, ByOffer, Unseen and Unpublished split the deliveries: seen
	// first by a successful poll, first by an offer, inserted but not seen
	// by the end of the grace period, or never inserted (the publisher's
	// node was offline from the post to the end: churn). UnseenOnline is
	// the part of Unseen whose follower's node was online at the end.
	ByPoll       float64 `json:"by_poll"`
	ByOffer      float64 `json:"by_offer"`
	Unseen       float64 `json:"unseen"`
	Unpublished  float64 `json:"unpublished"`
	UnseenOnline float64 `json:"unseen_online"`
	// Visible*S: post-to-visible of the deliveries seen, in seconds.
	VisibleP50S float64 `json:"visible_p50_s"`
	VisibleP95S float64 `json:"visible_p95_s"`
	VisibleP99S float64 `json:"visible_p99_s"`
	VisibleMaxS float64 `json:"visible_max_s"`
	// OnlineVisible*S: the same for the deliveries whose follower's node
	// was online from the insert until it saw the edition (all of them
	// without churn).
	OnlineVisibleP50S float64 `json:"online_visible_p50_s"`
	OnlineVisibleP95S float64 `json:"online_visible_p95_s"`
	// FetchP50S is one fetch's median time in the same run: the ordinary
	// requests' LatencyP50ms, in seconds. P95PerFetch is VisibleP95S over
	// it (the target: at most 3).
	FetchP50S   float64 `json:"fetch_p50_s"`
	P95PerFetch float64 `json:"visible_p95_per_fetch_p50"`
	// PollP50S and PollP95S are the time the polls took to their answer
	// (found, not found, or ended by the node leaving); PollFoundP50S the
	// median time of the polls that found their edition.
	PollP50S      float64 `json:"poll_p50_s"`
	PollP95S      float64 `json:"poll_p95_s"`
	PollFoundP50S float64 `json:"poll_found_p50_s"`
	// Polls is how many polls the followers started.
	Polls int `json:"polls"`
	// Messages per subscription per hour of the publishing period: every
	// routing message sent, every hop. Poll: the polls (requests and their
	// answers) sent during the publishing period; Insert: the editions'
	// inserts and their answers; Offer: the Offers of editions.
	MessagesPerSubHour       float64 `json:"messages_per_sub_hour"`
	PollMessagesPerSubHour   float64 `json:"poll_messages_per_sub_hour"`
	InsertMessagesPerSubHour float64 `json:"insert_messages_per_sub_hour"`
	OfferMessagesPerSubHour  float64 `json:"offer_messages_per_sub_hour"`
	// PollMessagesByType splits PollMessagesPerSubHour by message type
	// (Request, DataNotFound, RecentlyFailed, RejectedLoop, ...).
	PollMessagesByType map[string]float64 `json:"poll_messages_by_type"`
	// Phases splits the deliveries by where the follower stood when the
	// edition was inserted.
	Phases []SubscriptionPhase `json:"phases"`
}

// SubscriptionPhase is the deliveries of one phase: "cold" (the follower
// had no failed poll for the edition yet: just subscribed, or still
// behind), "warm" (its last poll failed less than RecentlyFailedFor
// before: its node and path answer RecentlyFailed), "idle" (longer
// before: the old rule had forgotten it), "polling" (a poll for the
// edition was in flight), "offline" (its node was),
// "unpublished" (never inserted: the publisher's node was offline from the
// post to the end).
type SubscriptionPhase struct {
	Phase      string  `json:"phase"`
	Deliveries int     `json:"deliveries"`
	ByOffer    float64 `json:"by_offer"`
	Unseen     float64 `json:"unseen"`
	P50S       float64 `json:"p50_s"`
	P95S       float64 `json:"p95_s"`
}

// Delivery is one edition to one follower.
type Delivery struct {
	Feed, Edition int
	// Publisher and Follower are the nodes.
	Publisher, Follower int
	// PostMs is when the edition was posted, InsertMs when its insert
	// started (later when the publisher's node was offline; -1: never), in
	// virtual milliseconds since the traffic began.
	PostMs, InsertMs float64
	// SeenMs is when the follower saw it; -1: never.
	SeenMs float64
	// Via is "poll", "offer", or "" (unseen).
	Via string
	// Phase is where the follower stood at the insert (SubscriptionPhase).
	Phase string
}

// summary computes the SubscriptionSummary; fetchP50ms is the ordinary
// requests' median latency.
func (s *subs) summary(fetchP50ms float64) *SubscriptionSummary {
	c := s.cfg
	rc := s.e.cfg.Routing.OfferInterestFor
	if rc == 0 {
		rc = routing.DefaultOfferInterestFor
	}
	out := &SubscriptionSummary{Feeds: c.Feeds, Followers: c.Followers, Editions: c.Editions,
		PollS: c.PollInterval.Seconds(), DurationS: c.Duration.Seconds(), GraceS: c.Grace.Seconds(),
		OfferInterestS: rc.Seconds(), RecentlyFailedS: float64(s.rf) / 1e9,
		Deliveries: len(s.seen), Polls: s.npolls, FetchP50S: round4(fetchP50ms / 1e3)}
	ins, insOK := 0, 0
	for g, t := range s.inserted {
		if t >= 0 {
			ins++
			if s.insertOK[g] {
				insOK++
			}
		}
	}
	if ins > 0 {
		out.Inserted = round4(float64(insOK) / float64(ins))
	}
	var all, online []float64
	byPhase := make([][]float64, len(phaseNames))
	nPhase := make([]int, len(phaseNames))
	offPhase := make([]int, len(phaseNames))
	poll, offer, unseen, unseenOn, unpub := 0, 0, 0, 0, 0
	for fi := range s.fl {
		fl := &s.fl[fi]
		for ed := range c.Editions {
			d := fi*c.Editions + ed
			g := int(fl.feed)*s.eds + ed
			ph := s.phase[d]
			nPhase[ph]++
			switch {
			case s.inserted[g] < 0:
				unpub++
				continue
			case s.seen[d] < 0:
				unseen++
				if s.e.nw.nodes[fl.node].online {
					unseenOn++
				}
				continue
			}
			v := float64(s.seen[d] - s.inserted[g])
			all = append(all, v)
			byPhase[ph] = append(byPhase[ph], v)
			if s.via[d] == viaOffer {
				offer++
				offPhase[ph]++
			} else {
				poll++
			}
			if fl.joined <= s.inserted[g] {
				online = append(online, v)
			}
		}
	}
	n := float64(len(s.seen))
	out.ByPoll, out.ByOffer = round4(float64(poll)/n), round4(float64(offer)/n)
	out.Unseen, out.UnseenOnline = round4(float64(unseen)/n), round4(float64(unseenOn)/n)
	out.Unpublished = round4(float64(unpub) / n)
	sec := func(ns float64) float64 { return round4(ns / 1e9) }
	slices.Sort(all)
	slices.Sort(online)
	out.VisibleP50S, out.VisibleP95S = sec(quantile(all, 0.5)), sec(quantile(all, 0.95))
	out.VisibleP99S, out.VisibleMaxS = sec(quantile(all, 0.99)), sec(quantile(all, 1))
	out.OnlineVisibleP50S, out.OnlineVisibleP95S = sec(quantile(online, 0.5)), sec(quantile(online, 0.95))
	if out.FetchP50S > 0 {
		out.P95PerFetch = round4(out.VisibleP95S / out.FetchP50S)
	}
	found, took := slices.Clone(s.pollFound), slices.Clone(s.pollTime)
	slices.Sort(found)
	slices.Sort(took)
	out.PollFoundP50S = sec(quantile(found, 0.5))
	out.PollP50S, out.PollP95S = sec(quantile(took, 0.5)), sec(quantile(took, 0.95))
	if subH := float64(len(s.fl)) * c.Duration.Hours(); subH > 0 {
		per := func(m int64) float64 { return round4(float64(m) / subH) }
		out.PollMessagesPerSubHour = per(s.pollMsgs)
		out.InsertMessagesPerSubHour = per(s.insertMsgs)
		out.OfferMessagesPerSubHour = per(s.offerMsgs)
		out.MessagesPerSubHour = per(s.pollMsgs + s.insertMsgs + s.offerMsgs)
		out.PollMessagesByType = make(map[string]float64)
		for t, n := range s.pollByType {
			if n > 0 {
				out.PollMessagesByType[routing.MsgType(t).String()] = per(n)
			}
		}
	}
	for ph, name := range phaseNames {
		p := SubscriptionPhase{Phase: name, Deliveries: nPhase[ph]}
		if nPhase[ph] > 0 {
			p.ByOffer = round4(float64(offPhase[ph]) / float64(nPhase[ph]))
			p.Unseen = round4(float64(nPhase[ph]-len(byPhase[ph])) / float64(nPhase[ph]))
		}
		slices.Sort(byPhase[ph])
		p.P50S, p.P95S = sec(quantile(byPhase[ph], 0.5)), sec(quantile(byPhase[ph], 0.95))
		out.Phases = append(out.Phases, p)
	}
	return out
}

// deliveries lists the deliveries, feed by feed, follower by follower,
// edition by edition; times are since t0.
func (s *subs) deliveries(t0 int64) []Delivery {
	c := s.cfg
	ms := func(t int64) float64 {
		if t < 0 {
			return -1
		}
		return float64(t-t0) / 1e6
	}
	out := make([]Delivery, 0, len(s.seen))
	for fi := range s.fl {
		fl := &s.fl[fi]
		for ed := range c.Editions {
			d := fi*c.Editions + ed
			g := int(fl.feed)*s.eds + ed
			via := ""
			switch s.via[d] {
			case viaPoll:
				via = "poll"
			case viaOffer:
				via = "offer"
			}
			out = append(out, Delivery{Feed: int(fl.feed), Edition: ed, Publisher: int(s.publisher[fl.feed]), Follower: int(fl.node),
				PostMs: ms(s.edAt[g]), InsertMs: ms(s.inserted[g]), SeenMs: ms(s.seen[d]), Via: via, Phase: phaseNames[s.phase[d]]})
		}
	}
	return out
}
