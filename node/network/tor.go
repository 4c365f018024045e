package network

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hamsnet/hams/node/tor"
)

// onionKeyFile holds the Ed25519 seed of the node's onion service, so its
// address is the same after a restart.
const onionKeyFile = "onion-key"

// startTor starts the node's own tor and its onion service.
// Its files are in dir: the onion key and tor's data directory.
func startTor(ctx context.Context, dir string, rnd io.Reader, cfg Config) (*tor.Transport, error) {
	key, err := loadOnionKey(filepath.Join(dir, onionKeyFile), rnd)
	if err != nil {
		return nil, err
	}
	last := -1
	t, err := tor.Start(ctx, tor.Config{
		TorPath:    cfg.TorPath,
		DataDir:    filepath.Join(dir, "tor"),
		OnionKey:   key,
		Port:       cfg.TorPort,
		ExtraTorrc: cfg.TorExtraTorrc,
		// Every outbound connection goes through the transport's one
		// dialer, to tor's own ports on loopback; tests watch it.
		DialRecorder: cfg.Hooks.TorDials,
		Logger:       cfg.Logger,
		Progress: func(pct int, summary string) {
			if pct/25 != last/25 || pct == 100 { // a line per quarter, not per step
				last = pct
				cfg.Logger.Info(fmt.Sprintf("tor bootstrap %d%%: %s", pct, summary))
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	return t, nil
}

// loadOnionKey reads the onion service key, or makes and saves one.
func loadOnionKey(path string, rnd io.Reader) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := io.ReadFull(rnd, seed); err != nil {
			return nil, fmt.Errorf("node: onion key: %w", err)
		}
		if err := writeFileAtomic(path, []byte(hex.EncodeToString(seed)+"\n")); err != nil {
			return nil, err
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	if err != nil {
		return nil, fmt.Errorf("node: onion key: %w", err)
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("node: %s is not an onion key (64 hex digits)", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
