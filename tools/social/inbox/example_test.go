package inbox_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/tools/social/feed"
	"github.com/hamsnet/hams/tools/social/inbox"
)

// Omar replies to Layla, who does not follow him: he writes a note into
// her inbox, and her front-end reads it. Keys come from fixed bytes here;
// use crypto/rand.Reader for real ones.
func Example() {
	fixed := func(b byte) *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{b}, 64)) }
	feedOf := func(b byte) keys.URI {
		_, request, err := keys.GenerateSSK(fixed(b))
		if err != nil {
			panic(err)
		}
		request.Type, request.Name = keys.USK, feed.SiteName
		return request
	}
	layla, omar := feedOf(1), feedOf(2)
	laylaBox, err := inbox.GenerateKey(fixed(3)) // published in her profile as inbox.EncodeBox(laylaBox.Public)
	if err != nil {
		panic(err)
	}

	// Omar's side: Layla's inbox, today's first free slot (here 0), the
	// work her profile asks (here the least, 16 bits, to run fast).
	id, err := inbox.ID(layla.WithEdition(7).String())
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	slot := inbox.Slot(id, now, 0)
	note := &inbox.Note{Type: inbox.TypeReply, From: omar.WithEdition(4).String(), N: 5, Time: now}
	env, err := inbox.Seal(note, laylaBox.Public, slot, inbox.MinWork, fixed(4))
	if err != nil {
		panic(err)
	}
	fmt.Println(slot)
	fmt.Println(len(env), "bytes,", inbox.Work(env, slot) >= inbox.MinWork)
	// Omar inserts env under the KSK slot.

	// Layla's side: she fetched env from slot.
	got, err := inbox.Open(env, slot, inbox.MinWork, laylaBox)
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Type, got.N, got.From == omar.WithEdition(4).String(), got.Time.Format(feed.TimeLayout))
	// Now she fetches edition 4 of Omar's feed and checks that post 5
	// replies to one of hers before showing anything.

	// The same envelope copied to another slot carries no work there.
	_, err = inbox.Open(env, inbox.Slot(id, now, 1), inbox.MinWork, laylaBox)
	fmt.Println(err)
	// Output:
	// KSK@hams-inbox-5keoxkgeleojob3ygk6vwopxle-2026-12-05-0
	// 574 bytes, true
	// reply 5 true 2026-12-05T10:00:00Z
	// inbox: not enough work: the envelope has 0 of the 16 bits of work asked, for this slot
}

// A private message travels sealed twice: inside the note from Omar's box
// key to Layla's, so that she can tell he wrote it, and the note sealed
// anonymously to her, so that nobody else can tell anything.
func ExampleSealMessage() {
	fixed := func(b byte) *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{b}, 64)) }
	laylaBox, _ := inbox.GenerateKey(fixed(3))
	omarBox, _ := inbox.GenerateKey(fixed(5)) // in Omar's profile: box
	_, omar, _ := keys.GenerateSSK(fixed(2))
	omar.Type, omar.Name = keys.USK, feed.SiteName

	m, err := inbox.SealMessage("مرحبا يا ليلى!", omarBox, laylaBox.Public, fixed(6))
	if err != nil {
		panic(err)
	}
	note := &inbox.Note{Type: inbox.TypeMessage, From: omar.WithEdition(4).String(),
		Time: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC), Message: m}
	slot := "KSK@hams-inbox-5keoxkgeleojob3ygk6vwopxle-2026-12-05-1" // slot 1 of Layla's inbox (see Example)
	env, err := inbox.Seal(note, laylaBox.Public, slot, inbox.MinWork, fixed(7))
	if err != nil {
		panic(err)
	}

	got, err := inbox.Open(env, slot, inbox.MinWork, laylaBox)
	if err != nil {
		panic(err)
	}
	// Layla checks that the box of Omar's profile (edition 4) is
	// got.Message.Box before she believes the message is his.
	fmt.Println(inbox.EncodeBox(got.Message.Box) == inbox.EncodeBox(omarBox.Public))
	text, err := inbox.OpenMessage(got.Message, laylaBox)
	if err != nil {
		panic(err)
	}
	fmt.Println(text)
	// Output:
	// true
	// مرحبا يا ليلى!
}
