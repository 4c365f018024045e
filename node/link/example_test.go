package link_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"

	"github.com/hamsnet/hams/node/link"
)

// printer prints each frame and reports when the link closed.
type printer struct{ got chan string }

func (p printer) HandleFrame(l *link.Link, frame []byte) error {
	p.got <- string(frame)
	return nil
}

func (p printer) LinkClosed(l *link.Link, err error) {}

func Example() {
	alice, _ := link.GenerateStaticKey(rand.Reader)
	bob, _ := link.GenerateStaticKey(rand.Reader)
	// Each side checks that the peer is who it expects (here: the key; a
	// node also checks the signed noderef in the payload).
	expect := func(want [32]byte) link.Verify {
		return func(remote [32]byte, payload []byte) error {
			if remote != want {
				return fmt.Errorf("unexpected peer %x", remote[:4])
			}
			return nil
		}
	}

	c1, c2 := net.Pipe()
	done := make(chan *link.Link)
	go func() {
		l, err := link.Handshake(context.Background(), c2, false, bob, []byte("bob's noderef"), expect(alice.Public), link.Config{})
		if err != nil {
			fmt.Println(err)
		}
		done <- l
	}()
	la, err := link.Handshake(context.Background(), c1, true, alice, []byte("alice's noderef"), expect(bob.Public), link.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	lb := <-done
	fmt.Printf("alice got the payload %q\n", la.RemotePayload())

	pa, pb := printer{make(chan string, 1)}, printer{make(chan string, 1)}
	la.Start(pa)
	lb.Start(pb)
	la.Send([]byte("hello, bob"))
	fmt.Println("bob got:", <-pb.got)
	la.Close()
	lb.Close()
	// Output:
	// alice got the payload "bob's noderef"
	// bob got: hello, bob
}
