//go:build unix

package fcp

import "syscall"

// rawWait returns a function that waits until rwc has something to read
// (data, its end, an error) without reading it, so that the connection's
// read buffer can go back to the pool meanwhile (fcpwire.Waiter); nil when
// rwc is not a socket it can wait on. It waits through the runtime's
// poller, so deadlines and Close end the wait.
func rawWait(rwc any) func() error {
	sc, ok := rwc.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return func() error {
		return raw.Read(func(fd uintptr) bool {
			var b [1]byte
			for {
				_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK)
				if err == syscall.EINTR {
					continue
				}
				// EAGAIN: nothing yet, let the poller wait. Anything else
				// (data, the end, ENOTSOCK): the next Read will tell.
				return err != syscall.EAGAIN
			}
		})
	}
}
