package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// lineHandler is a slog handler that writes one plain line per record:
// "2026-11-26T10:00:00Z fcp listening on 127.0.0.1:9481 key=value". Scripts
// can match the message text as it is. Records above Info and below it
// (--log-level debug) say their level after the time: "… DEBUG fcp: …".
type lineHandler struct {
	mu    *sync.Mutex // guards w
	w     io.Writer
	level slog.Level
	attrs string // preformatted " k=v" pairs from WithAttrs
}

// newLogger returns a logger writing plain lines to w at Info level and above.
func newLogger(w io.Writer) *slog.Logger { return newLoggerAt(w, slog.LevelInfo) }

// newLoggerAt returns a logger writing plain lines to w at level and above.
func newLoggerAt(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(&lineHandler{mu: new(sync.Mutex), w: w, level: level})
}

// parseLogLevel parses a --log-level value: debug, info, warn or error, in
// any case.
func parseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, usagef("bad --log-level %q (want debug, info, warn or error)", s)
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Time.UTC().Format(time.RFC3339))
	if r.Level >= slog.LevelWarn || r.Level < slog.LevelInfo {
		b.WriteString(" " + r.Level.String())
	}
	b.WriteString(" " + r.Message)
	b.WriteString(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := *h
	for _, a := range as {
		h2.attrs += fmt.Sprintf(" %s=%v", a.Key, a.Value)
	}
	return &h2
}

// WithGroup is not needed by hams' loggers; groups are flattened.
func (h *lineHandler) WithGroup(string) slog.Handler { return h }
