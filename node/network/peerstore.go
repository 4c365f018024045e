package network

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hamsnet/hams/node/noderef"
)

// peersDir is the folder of the node's directory that holds its peers'
// noderefs, one file each, so that a restart links to them again.
const peersDir = "peers"

// peerFile names the file of ref in peersDir: its identity in hex.
func peerFile(ref noderef.Ref) string { return fmt.Sprintf("%x.noderef", []byte(ref.Identity)) }

// loadStored adds every peer kept in the peers folder. A file that does not
// parse, or a peer that is not taken, is logged and skipped.
func (pm *peerManager) loadStored() {
	paths, _ := filepath.Glob(filepath.Join(pm.dir, "*.noderef"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err == nil {
			var ref noderef.Ref
			if ref, err = noderef.Parse(b); err == nil {
				_, err = pm.add(ref, false)
			}
		}
		if err != nil {
			pm.log.Warn("skipping a stored peer", "file", p, "err", err)
		}
	}
}

// save keeps ref in the peers folder.
func (pm *peerManager) save(ref noderef.Ref) error {
	return writeFileAtomic(filepath.Join(pm.dir, peerFile(ref)), ref.Marshal())
}

// forget removes ref's file from the peers folder.
func (pm *peerManager) forget(ref noderef.Ref) error {
	if err := os.Remove(filepath.Join(pm.dir, peerFile(ref))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("node: remove peer: %w", err)
	}
	return nil
}
