package main

import (
	"io"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/schollz/progressbar/v3"
)

// progressThreshold is the transfer size from which a progress bar is drawn.
const progressThreshold = 1 << 20

// blockSize is the size of one block, to judge a transfer's size from
// SimpleProgress.
const blockSize = 32 << 10

// progress draws a transfer's progress on a terminal: first the bytes sent
// to the node (puts), then the blocks from SimpleProgress. A nil *progress
// draws nothing; all methods are safe on nil.
type progress struct {
	w      io.Writer
	action string // "inserting" or "fetching"
	bytes  *progressbar.ProgressBar
	blocks *progressbar.ProgressBar
}

// newProgress returns a progress for a transfer of size bytes (-1 if not yet
// known), or nil when no bar should be drawn.
func newProgress(env *Env, action string, size int64) *progress {
	if !env.StderrTerminal || (size >= 0 && size <= progressThreshold) {
		return nil
	}
	return &progress{w: env.Stderr, action: action}
}

func (p *progress) options(desc string) []progressbar.Option {
	return []progressbar.Option{
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
	}
}

// reader wraps r (size bytes) to show bytes sent.
func (p *progress) reader(r io.Reader, size int64) io.Reader {
	if p == nil {
		return r
	}
	opts := append(p.options("sending"), progressbar.OptionShowBytes(true))
	p.bytes = progressbar.NewOptions64(size, opts...)
	return &countReader{r: r, bar: p.bytes}
}

type countReader struct {
	r   io.Reader
	bar *progressbar.ProgressBar
}

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.bar.Add64(int64(n))
	return n, err
}

// update shows SimpleProgress in blocks. For a fetch of unknown size the
// bar appears only once the transfer turns out to be large.
func (p *progress) update(sp fcpclient.Progress) {
	if p == nil || sp.Required <= 0 {
		return
	}
	if p.blocks == nil {
		if p.action == "fetching" && sp.Required*blockSize <= progressThreshold {
			return
		}
		if p.bytes != nil {
			p.bytes.Clear()
		}
		p.blocks = progressbar.NewOptions64(sp.Required, append(p.options(p.action), progressbar.OptionSetItsString("blocks"))...)
	}
	if p.blocks.GetMax64() != sp.Required {
		p.blocks.ChangeMax64(sp.Required)
	}
	p.blocks.Set64(min(sp.Succeeded, sp.Required))
}

// done erases the bars.
func (p *progress) done() {
	if p == nil {
		return
	}
	for _, b := range []*progressbar.ProgressBar{p.bytes, p.blocks} {
		if b != nil {
			b.Clear()
		}
	}
}
