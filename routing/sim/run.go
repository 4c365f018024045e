package sim

import (
	"context"
	"errors"
)

// Run simulates cfg. It stops early with ctx's error when ctx ends.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return nil, errors.New("sim: not built yet")
}
