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
	"time"

	"github.com/hamsnet/hams/node/tor"
)

// onionKeyFile holds the Ed25519 seed of the node's onion service, so its
// address is the same after a restart.
const onionKeyFile = "onion-key"

// errTorNotUp is why a dial fails while the node's tor is not up.
var errTorNotUp = errors.New("node: tor is not up yet")

// startTor makes one attempt at starting the node's own tor and its onion
// service with key; its files are in dir/tor. It reports bootstrap
// progress and problems to tr.
func startTor(ctx context.Context, dir string, key ed25519.PrivateKey, cfg Config, tr *torRunner) (*tor.Transport, error) {
	last := -1
	t, err := tor.Start(ctx, tor.Config{
		TorPath:      cfg.TorPath,
		DataDir:      filepath.Join(dir, "tor"),
		OnionKey:     key,
		Port:         cfg.TorPort,
		ExtraTorrc:   cfg.torrc(),
		StartTimeout: cfg.TorAttemptTimeout,
		// Every outbound connection goes through the transport's one
		// dialer, to tor's own ports on loopback; tests watch it.
		DialRecorder: cfg.Hooks.TorDials,
		Logger:       cfg.Logger,
		Progress: func(pct int, summary string) {
			tr.update(func(s *TorStatus) {
				s.Progress, s.Summary = pct, summary
				if pct >= 100 {
					s.State, s.Since = TorPublishing, time.Now()
				}
			})
			if pct/25 != last/25 || pct == 100 { // a line per quarter, not per step
				last = pct
				cfg.Logger.Info(fmt.Sprintf("tor bootstrap %d%%: %s", pct, summary))
			}
		},
		Warning: func(problem string) {
			tr.mu.Lock()
			repeat := tr.status.Problem == problem
			tr.status.Problem, tr.status.Hint = problem, tr.hint()
			tr.mu.Unlock()
			if !repeat { // each new problem once, not tor's every retry
				cfg.Logger.Warn("tor: bootstrap problem", "problem", problem, "hint", tr.hint())
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
