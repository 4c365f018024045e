package link

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
)

// counter counts delivered bytes and signals when want arrived.
type counter struct {
	got, want atomic.Int64
	done      chan struct{}
	closed    chan struct{}
}

func (c *counter) HandleFrame(l *Link, frame []byte) error {
	if c.got.Add(int64(len(frame))) == c.want.Load() {
		close(c.done)
	}
	return nil
}

func (c *counter) LinkClosed(*Link, error) { close(c.closed) }

// benchThroughput pushes b.N frames of size bytes from one end of c1/c2 to
// the other.
func benchThroughput(b *testing.B, c1, c2 net.Conn, size int) {
	ini, res := sides(Config{})
	x, y := handshakePair(c1, c2, ini, res)
	if x.err != nil || y.err != nil {
		b.Fatal(x.err, y.err)
	}
	send, recv := &counter{done: make(chan struct{}), closed: make(chan struct{})}, &counter{done: make(chan struct{}), closed: make(chan struct{})}
	recv.want.Store(int64(b.N) * int64(size))
	x.l.Start(send)
	y.l.Start(recv)
	frame := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	ctx := context.Background()
	for range b.N {
		if err := x.l.SendWait(ctx, frame); err != nil {
			b.Fatal(err)
		}
	}
	<-recv.done
	b.StopTimer()
	x.l.Close()
	y.l.Close()
}

// BenchmarkLinkThroughput sends 32 KiB frames one way, encrypted and
// decrypted, over net.Pipe and over loopback TCP.
func BenchmarkLinkThroughput(b *testing.B) {
	const size = 32 << 10
	b.Run("pipe", func(b *testing.B) {
		c1, c2 := net.Pipe()
		benchThroughput(b, c1, c2, size)
	})
	b.Run("tcp", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Skip(err)
		}
		defer ln.Close()
		accepted := make(chan net.Conn, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				b.Error(err)
			}
			accepted <- c
		}()
		c1, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		c2 := <-accepted
		if c2 == nil {
			b.FailNow()
		}
		benchThroughput(b, c1, c2, size)
	})
}
