//go:build !unix

package fcp

// rawWait: only Unix sockets can be waited on without a buffer.
func rawWait(rwc any) func() error { return nil }
