package mpc

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/libs/log"

	"github.com/abci-mpc/abci-mpc/cometbft/mpc/bridgepb"
)

func TestQueueBoundsFrameCount(t *testing.T) {
	q := newQueue(3, 1<<20)
	f := &bridgepb.Frame{}
	for i := 0; i < 3; i++ {
		if !q.tryPush(f, 1) {
			t.Fatalf("push %d refused", i)
		}
	}
	if q.tryPush(f, 1) {
		t.Fatal("fourth push accepted by a 3-frame queue")
	}
	if got := q.bytes.Load(); got != 3 {
		t.Fatalf("refused push leaked bytes: %d", got)
	}
	q.done(<-q.ch)
	if !q.tryPush(f, 1) {
		t.Fatal("push refused after a pop")
	}
}

func TestQueueBoundsBytes(t *testing.T) {
	q := newQueue(100, 10)
	f := &bridgepb.Frame{}
	if !q.tryPush(f, 6) || q.tryPush(f, 5) {
		t.Fatal("byte bound not enforced")
	}
	if !q.tryPush(f, 4) {
		t.Fatal("push within the byte bound refused")
	}
	q.done(<-q.ch)
	if got := q.bytes.Load(); got != 4 {
		t.Fatalf("bytes after pop: %d", got)
	}
	if !q.tryPush(f, 6) {
		t.Fatal("pop did not release bytes")
	}
}

func TestDropCounterCountsEveryDropButLogsRarely(t *testing.T) {
	var out bytes.Buffer
	logger := log.NewTMLogger(log.NewSyncWriter(&out))
	d := dropCounter{interval: time.Hour}
	for i := 0; i < 1000; i++ {
		d.add(logger, "dropped")
	}
	if d.count() != 1000 {
		t.Fatalf("count %d", d.count())
	}
	if n := strings.Count(out.String(), "\n"); n != 1 {
		t.Fatalf("%d log lines for 1000 drops", n)
	}
}
