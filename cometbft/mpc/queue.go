package mpc

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/cometbft/cometbft/libs/log"

	"github.com/abci-mpc/abci-mpc/cometbft/mpc/bridgepb"
)

// queue is a FIFO of frames bounded both in count and in payload bytes, so
// neither many small frames nor a few huge ones can grow it without limit.
// Push never blocks.
type queue struct {
	ch       chan queued
	bytes    atomic.Int64
	maxBytes int64
}

type queued struct {
	frame *bridgepb.Frame
	size  int64
}

func newQueue(maxFrames int, maxBytes int64) *queue {
	return &queue{ch: make(chan queued, maxFrames), maxBytes: maxBytes}
}

// tryPush enqueues f, accounting size bytes against the byte bound, and
// reports false (leaving the queue unchanged) when either bound is reached.
func (q *queue) tryPush(f *bridgepb.Frame, size int) bool {
	n := int64(size)
	if q.bytes.Add(n) > q.maxBytes {
		q.bytes.Add(-n)
		return false
	}
	select {
	case q.ch <- queued{f, n}:
		return true
	default:
		q.bytes.Add(-n)
		return false
	}
}

// done releases the bytes of an item taken from q.ch.
func (q *queue) done(item queued) { q.bytes.Add(-item.size) }

// dropCounter counts dropped frames and logs about them at most once per
// interval, so a flood of drops cannot flood the log as well.
type dropCounter struct {
	total    atomic.Uint64
	mu       sync.Mutex
	lastLog  time.Time
	interval time.Duration
}

const dropLogInterval = 5 * time.Second

// add counts one drop and logs msg with the running total when the last log
// line is older than the interval.
func (d *dropCounter) add(logger log.Logger, msg string, keyvals ...interface{}) {
	total := d.total.Add(1)
	interval := d.interval
	if interval == 0 {
		interval = dropLogInterval
	}
	d.mu.Lock()
	now := time.Now()
	due := now.Sub(d.lastLog) >= interval
	if due {
		d.lastLog = now
	}
	d.mu.Unlock()
	if due {
		logger.Error(msg, append(keyvals, "dropped_total", total)...)
	}
}

func (d *dropCounter) count() uint64 { return d.total.Load() }
