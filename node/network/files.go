package network

import (
	"errors"
	"fmt"
	"os"
)

// writeFileAtomic writes b to path, readable by its owner only, through a
// temporary file renamed into place: a crash of the process leaves the old
// file or the new one, never a part. A failed write (a full disk) removes
// the temporary file and leaves the old one. It does not fsync: the router's
// loop writes the identity, noderef and swap state after every swap (many a
// minute while a node anneals), and a sync there, tens of milliseconds on a
// busy disk, would hold up every request the node routes.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	_, err = f.Write(b)
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("node: %w", err)
	}
	return nil
}
