package fcp

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
)

// FuzzServerSession feeds arbitrary bytes to a server as one client
// session: no panic, no hang, nothing left running or on disk.
func FuzzServerSession(f *testing.F) {
	hello := "ClientHello\nName=fuzz\nExpectedVersion=2.0\nEndMessage\n"
	for _, seed := range []string{
		"",
		hello,
		hello + "ClientPut\nURI=CHK@\nIdentifier=a\nVerbosity=1\nDataLength=3\nData\nabc",
		hello + "ClientPut\nURI=SSK@/x\nIdentifier=a\nPersistence=forever\nDataLength=1\nData\nz" +
			"ListPersistentRequests\nEndMessage\nRemoveRequest\nIdentifier=a\nEndMessage\n",
		hello + "ClientGet\nURI=KSK@a\nIdentifier=g\nPersistence=reboot\nEndMessage\nGetRequestStatus\nIdentifier=g\nEndMessage\n",
		hello + "ClientPutComplexDir\nURI=CHK@\nIdentifier=d\nFiles.0.Name=a\nFiles.0.DataLength=2\nDataLength=2\nData\nhi",
		hello + "WatchGlobal\nEnabled=true\nEndMessage\nClientGet\nURI=KSK@a\nGlobal=true\nPersistence=forever\nIdentifier=q\nEndMessage\n",
		hello + "SubscribeUSK\nURI=USK@AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,AQABAAE/a/0\nIdentifier=s\nEndMessage\n",
		hello + "GenerateSSK\nEndMessage\nGetNode\nEndMessage\nListPeers\nEndMessage\nBogus\nEndMessage\nDisconnect\nEndMessage\n",
		hello + "AddPeer\nIdentifier=p\nidentity=x\nmyName=n\nsig=s\nEndMessage\nListPeers\nWithVolatile=true\nEndMessage\n" +
			"ListPeer\nNodeIdentifier=n\nEndMessage\nAddPeer\nFile=/x\nEndMessage\nRemovePeer\nNodeIdentifier=x\nEndMessage\n",
		hello + "ClientPut\nURI=CHK@\nIdentifier=a\nDataLength=99999999999\nData\n",
		"ClientHello\nName=x\nEnd",
		// Headers over the free part, over the budget, over the limit.
		hello + "ClientPut\nURI=CHK@\nIdentifier=big\n" + strings.Repeat("Junk0123456789=abcdefghijklmnopqrstuvwxyz\n", 40) +
			"DataLength=3\nData\nabcGenerateSSK\nEndMessage\n",
		hello + "ClientGet\nURI=KSK@a\nIdentifier=g\n" + strings.Repeat("J=0123456789\n", 3000) + "EndMessage\n",
		hello + "ClientPutComplexDir\nURI=CHK@\nIdentifier=d\n" + complexFiles(300) + "DataLength=300\nData\n" + strings.Repeat("x", 300),
		// Streamed uploads side by side with a spooled one.
		hello + "ClientPut\nURI=CHK@\nIdentifier=s1\nDataLength=4\nData\nabcdClientPut\nURI=CHK@\nIdentifier=s2\nPersistence=reboot\nDataLength=2\nData\nxy",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		cfg := testConfig(t)
		cfg.MaxDataLength = 1 << 16
		// Small enough that the seeds reach every limit.
		cfg.MaxBufferedBytes = 192 << 10
		cfg.FreeHeaderBytes = 1 << 10
		cfg.MaxHeaderBytes = 96 << 10
		b := newFakeBackend()
		s, err := NewServer(cfg, b)
		if err != nil {
			t.Fatal(err)
		}
		a, c := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.ServeConn(a)
		}()
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			io.Copy(io.Discard, c)
		}()
		c.Write(in)
		// End of input: stop the session the way a client hanging up does.
		c.Close()
		<-drained
		<-done
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if n := s.BufferedBytes(); n != 0 {
			t.Fatalf("%d bytes of the budget still in use after Close", n)
		}
	})
}

// complexFiles returns the Files.N fields of n direct files of one byte.
func complexFiles(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Files.%d.Name=f%d\nFiles.%d.DataLength=1\n", i, i, i)
	}
	return b.String()
}
