package tor

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// ErrTorNotFound is returned (wrapped) by Find and Start when no usable tor
// binary exists. Test for it with errors.Is; the hams CLI turns it into
// "hams: error: tor not found" and an install hint.
var ErrTorNotFound = errors.New("tor: tor not found")

// Find returns the absolute path of the tor binary: path itself if it is
// given (it must name an existing executable regular file; a name without a
// slash is looked up on PATH), else "tor" looked up on PATH. It returns an
// error wrapping ErrTorNotFound otherwise.
func Find(path string) (string, error) {
	name := path
	if name == "" {
		name = "tor"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		if path == "" {
			return "", fmt.Errorf("%w on PATH", ErrTorNotFound)
		}
		return "", fmt.Errorf("%w: %s: %v", ErrTorNotFound, path, unwrapExecErr(err))
	}
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%w: %s is not a regular file", ErrTorNotFound, p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrTorNotFound, p, err)
	}
	return abs, nil
}

// unwrapExecErr drops exec.Error's repetition of the name.
func unwrapExecErr(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}
