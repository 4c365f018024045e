package network

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hamsnet/hams/node/link"
	"github.com/hamsnet/hams/routing"
)

// identityFile is where a node keeps its secret keys and location, in its
// directory, readable by its owner only.
const identityFile = "identity"

// identity is who a node is on the network: the Ed25519 key that signs its
// noderef, the X25519 key of its links, and its location.
type identity struct {
	sign  ed25519.PrivateKey
	noise link.StaticKey
	loc   routing.Location
}

// loadIdentity reads dir/identity, or creates it with keys and a location
// drawn from rand. A location given in loc replaces the stored one (and is
// saved).
func loadIdentity(dir string, rand io.Reader, loc *routing.Location) (identity, error) {
	path := filepath.Join(dir, identityFile)
	b, err := os.ReadFile(path)
	var id identity
	switch {
	case errors.Is(err, fs.ErrNotExist):
		id, err = newIdentity(rand)
		if err != nil {
			return id, err
		}
		if loc != nil {
			id.loc = *loc
		}
		return id, writeIdentity(path, id)
	case err != nil:
		return id, fmt.Errorf("node: read identity: %w", err)
	}
	id, err = parseIdentity(b)
	if err != nil {
		return id, fmt.Errorf("node: %s: %w", path, err)
	}
	if loc != nil && *loc != id.loc {
		id.loc = *loc
		return id, writeIdentity(path, id)
	}
	return id, nil
}

func newIdentity(rand io.Reader) (identity, error) {
	var seed [ed25519.SeedSize]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return identity{}, fmt.Errorf("node: identity key: %w", err)
	}
	nk, err := link.GenerateStaticKey(rand)
	if err != nil {
		return identity{}, err
	}
	var l [8]byte
	if _, err := io.ReadFull(rand, l[:]); err != nil {
		return identity{}, fmt.Errorf("node: location: %w", err)
	}
	loc, _ := strconv.ParseUint(hex.EncodeToString(l[:]), 16, 64)
	return identity{sign: ed25519.NewKeyFromSeed(seed[:]), noise: nk, loc: routing.Location(loc)}, nil
}

func (id identity) marshal() []byte {
	return fmt.Appendf(nil, "hams-identity=1\ned25519=%x\nnoise=%x\nlocation=%016x\nEnd\n",
		id.sign.Seed(), id.noise.Private, uint64(id.loc))
}

func writeIdentity(path string, id identity) error {
	if err := writeFileAtomic(path, id.marshal()); err != nil {
		return fmt.Errorf("node: write identity: %w", err)
	}
	return nil
}

func parseIdentity(b []byte) (identity, error) {
	var id identity
	fields := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) == 0 || lines[len(lines)-1] != "End" {
		return id, errors.New("identity file does not end with End")
	}
	for _, l := range lines[:len(lines)-1] {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return id, fmt.Errorf("bad line %q", l)
		}
		fields[k] = v
	}
	if fields["hams-identity"] != "1" {
		return id, errors.New("not a version 1 identity file")
	}
	seed, err := hex.DecodeString(fields["ed25519"])
	if err != nil || len(seed) != ed25519.SeedSize {
		return id, errors.New("bad ed25519 key")
	}
	nk, err := hex.DecodeString(fields["noise"])
	if err != nil || len(nk) != 32 {
		return id, errors.New("bad noise key")
	}
	loc, err := strconv.ParseUint(fields["location"], 16, 64)
	if err != nil || len(fields["location"]) != 16 {
		return id, errors.New("bad location")
	}
	id.sign = ed25519.NewKeyFromSeed(seed)
	var priv [32]byte
	copy(priv[:], nk)
	if id.noise, err = link.StaticKeyFromPrivate(priv); err != nil {
		return id, err
	}
	id.loc = routing.Location(loc)
	if !bytes.Equal(id.marshal(), b) {
		return id, errors.New("identity file is not in canonical form")
	}
	return id, nil
}
