package fcp

import (
	"io"
	"net"
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
		hello + "SubscribeUSK\nURI=USK@AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,AQEAAA/a/0\nIdentifier=s\nEndMessage\n",
		hello + "GenerateSSK\nEndMessage\nGetNode\nEndMessage\nListPeers\nEndMessage\nBogus\nEndMessage\nDisconnect\nEndMessage\n",
		hello + "AddPeer\nIdentifier=p\nidentity=x\nmyName=n\nsig=s\nEndMessage\nListPeers\nWithVolatile=true\nEndMessage\n" +
			"ListPeer\nNodeIdentifier=n\nEndMessage\nAddPeer\nFile=/x\nEndMessage\nRemovePeer\nNodeIdentifier=x\nEndMessage\n",
		hello + "ClientPut\nURI=CHK@\nIdentifier=a\nDataLength=99999999999\nData\n",
		"ClientHello\nName=x\nEnd",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		cfg := testConfig(t)
		cfg.MaxDataLength = 1 << 16
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
	})
}
