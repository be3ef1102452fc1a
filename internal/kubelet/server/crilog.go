package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// logEntry is one line of a CRI log file:
// "<RFC3339Nano> <stdout|stderr> <F|P> <content>"; P marks a fragment of a
// longer line that continues in the next entry.
type logEntry struct {
	ts      time.Time
	stream  string
	partial bool
	content []byte
}

func parseCRILine(line []byte) (logEntry, error) {
	var e logEntry
	fields := bytes.SplitN(line, []byte{' '}, 4)
	if len(fields) < 3 {
		return e, fmt.Errorf("malformed CRI log line %q", truncate(line))
	}
	ts, err := time.Parse(time.RFC3339Nano, string(fields[0]))
	if err != nil {
		return e, fmt.Errorf("CRI log timestamp: %w", err)
	}
	e.ts, e.stream = ts, string(fields[1])
	switch string(fields[2]) {
	case "P":
		e.partial = true
	case "F":
	default:
		return e, fmt.Errorf("malformed CRI log tag %q", fields[2])
	}
	if len(fields) == 4 {
		e.content = fields[3]
	}
	return e, nil
}

func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// lineReader reads complete lines from a file that may still be growing: a
// trailing line without its newline is kept until the rest arrives.
type lineReader struct {
	f       *os.File
	br      *bufio.Reader
	pending []byte
}

func openLineReader(path string) (*lineReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &lineReader{f: f, br: bufio.NewReaderSize(f, 64<<10)}, nil
}

// next returns the next complete line without its newline, or io.EOF when
// none is complete yet.
func (r *lineReader) next() ([]byte, error) {
	chunk, err := r.br.ReadBytes('\n')
	if err == nil {
		line := chunk[:len(chunk)-1]
		if len(r.pending) > 0 {
			line = append(r.pending, line...)
			r.pending = nil
		}
		return line, nil
	}
	r.pending = append(r.pending, chunk...)
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	return nil, fmt.Errorf("reading log file: %w", err)
}

// rest returns an unterminated last line, for a reader that will not wait
// for its end.
func (r *lineReader) rest() []byte {
	p := r.pending
	r.pending = nil
	return p
}

func (r *lineReader) close() { _ = r.f.Close() }

// replaced reports whether path now names another file than the one open
// (the log was rotated) and that new file exists.
func (r *lineReader) replaced(path string) bool {
	cur, err := os.Stat(path)
	if err != nil {
		return false
	}
	open, err := r.f.Stat()
	if err != nil {
		return false
	}
	return !os.SameFile(cur, open)
}
