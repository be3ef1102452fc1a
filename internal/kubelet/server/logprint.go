package server

import (
	"errors"
	"io"
	"time"
)

var errLimitReached = errors.New("limitBytes reached")

// logPrinter writes entries as `kubectl logs` shows them: content only, a
// newline at the end of each full line, optionally the timestamp first.
type logPrinter struct {
	w       io.Writer
	opts    logOptions
	written int64
	midLine bool // the last entry printed was a fragment (P)
}

// print writes e unless the since filter drops it; it returns
// errLimitReached once limitBytes have been written.
func (p *logPrinter) print(e logEntry) error {
	if !p.opts.since.IsZero() && e.ts.Before(p.opts.since) {
		return nil
	}
	var buf []byte
	if p.opts.timestamps && !p.midLine {
		buf = append(buf, e.ts.Format(time.RFC3339Nano)...)
		buf = append(buf, ' ')
	}
	buf = append(buf, e.content...)
	if !e.partial {
		buf = append(buf, '\n')
	}
	p.midLine = e.partial
	return p.write(buf)
}

func (p *logPrinter) write(buf []byte) error {
	if p.opts.limitBytes > 0 {
		left := p.opts.limitBytes - p.written
		if int64(len(buf)) >= left {
			_, err := p.w.Write(buf[:left])
			p.written = p.opts.limitBytes
			if err != nil {
				return err
			}
			return errLimitReached
		}
	}
	n, err := p.w.Write(buf)
	p.written += int64(n)
	return err
}

// tailBuffer keeps the last n logical lines (a line is its P fragments
// plus the closing F entry) of what passes the since filter.
type tailBuffer struct {
	n       int64
	since   time.Time
	lines   [][]logEntry
	current []logEntry
}

func (t *tailBuffer) add(e logEntry) {
	if !t.since.IsZero() && e.ts.Before(t.since) {
		return
	}
	t.current = append(t.current, e)
	if e.partial {
		return
	}
	t.lines = append(t.lines, t.current)
	t.current = nil
	if int64(len(t.lines)) > t.n {
		// Shift rather than reslice so the dropped lines can be freed.
		copy(t.lines, t.lines[1:])
		t.lines = t.lines[:len(t.lines)-1]
	}
}

// flush prints the kept lines, then any unfinished fragments.
func (t *tailBuffer) flush(p *logPrinter) error {
	for _, line := range t.lines {
		for _, e := range line {
			if err := p.print(e); err != nil {
				return err
			}
		}
	}
	for _, e := range t.current {
		if err := p.print(e); err != nil {
			return err
		}
	}
	t.lines, t.current = nil, nil
	return nil
}
