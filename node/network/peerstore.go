package network

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hamsnet/hams/node/noderef"
)

// peersDir and opennetDir are the folders of the node's directory that
// hold its friends' and its opennet peers' noderefs, one file each, so that
// a restart links to them again.
const (
	peersDir   = "peers"
	opennetDir = "opennet"
)

// kindDir returns the folder of kind's peers.
func (pm *peerManager) kindDir(kind PeerKind) string {
	if kind == PeerOpennet {
		return pm.openDir
	}
	return pm.dir
}

// peerFile names the file of ref in peersDir: its identity in hex.
func peerFile(ref noderef.Ref) string { return fmt.Sprintf("%x.noderef", []byte(ref.Identity)) }

// loadStored adds every peer kept in the friends' and the opennet folders.
// A file that does not parse, or a peer that is not taken, is logged and
// skipped.
func (pm *peerManager) loadStored() {
	for _, kind := range []PeerKind{PeerDarknet, PeerOpennet} {
		paths, _ := filepath.Glob(filepath.Join(pm.kindDir(kind), "*.noderef"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err == nil {
				var ref noderef.Ref
				if ref, err = noderef.Parse(b); err == nil {
					_, err = pm.addPeer(ref, kind, false, false)
				}
			}
			if err != nil {
				pm.log.Warn("skipping a stored peer", "file", p, "err", err)
			}
		}
	}
}

// save keeps ref in the folder of kind.
func (pm *peerManager) save(ref noderef.Ref, kind PeerKind) error {
	return writeFileAtomic(filepath.Join(pm.kindDir(kind), peerFile(ref)), ref.Marshal())
}

// forget removes ref's file from the folder of kind.
func (pm *peerManager) forget(ref noderef.Ref, kind PeerKind) error {
	if !kind.routable() {
		return nil
	}
	if err := os.Remove(filepath.Join(pm.kindDir(kind), peerFile(ref))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("node: remove peer: %w", err)
	}
	return nil
}

// saveIfKept keeps ref in the folder of kind, for the kinds that are kept.
func (pm *peerManager) saveIfKept(ref noderef.Ref, kind PeerKind) error {
	if !kind.routable() {
		return nil
	}
	return pm.save(ref, kind)
}
