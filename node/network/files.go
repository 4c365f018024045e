package network

import (
	"fmt"
	"os"
)

// writeFileAtomic writes b to path, readable by its owner only, through a
// temporary file renamed into place: a crash leaves the old file or the new
// one, never a part.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	return nil
}
