//go:build !linux

package datastore

import (
	"errors"
	"os"
)

// diskSpace is not implemented here: the Store then runs without a reserve
// (see docs/datastore.md, "Disk full").
func diskSpace(dir string) (avail, total uint64, err error) {
	return 0, 0, errors.New("free space is measured on Linux only")
}

// allocateFile makes path a file of size bytes, written with zeros.
func allocateFile(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	err = writeZeros(f, size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
