package mpc

import (
	"bufio"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/p2p"

	"github.com/abci-mpc/abci-mpc/cometbft/mpc/bridgepb"
)

const (
	selfID  = p2p.ID("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	peerA   = p2p.ID("1111111111111111111111111111111111111111")
	peerB   = p2p.ID("2222222222222222222222222222222222222222")
	timeout = 5 * time.Second
)

// fakeNetwork records what the bridge asks it to send.
type fakeNetwork struct {
	mu    sync.Mutex
	sends []*bridgepb.Send
	calls chan struct{}
}

func newFakeNetwork() *fakeNetwork { return &fakeNetwork{calls: make(chan struct{}, 100)} }

func (n *fakeNetwork) Send(to p2p.ID, payload []byte) bool {
	n.record(&bridgepb.Send{PeerId: string(to), Payload: payload})
	return true
}

func (n *fakeNetwork) Broadcast(payload []byte) { n.record(&bridgepb.Send{Payload: payload}) }

func (n *fakeNetwork) record(s *bridgepb.Send) {
	n.mu.Lock()
	n.sends = append(n.sends, s)
	n.mu.Unlock()
	n.calls <- struct{}{}
}

func (n *fakeNetwork) wait(t *testing.T) *bridgepb.Send {
	t.Helper()
	select {
	case <-n.calls:
	case <-time.After(timeout):
		t.Fatal("no send reached the network")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sends[len(n.sends)-1]
}

func startBridge(t *testing.T, n Network) *Bridge {
	t.Helper()
	dir, err := os.MkdirTemp("", "mpcb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	b, err := NewBridge("unix://"+filepath.Join(dir, "b.sock"), log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(n, selfID); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Stop)
	return b
}

// testClient is the Python side of the bridge, in Go.
type testClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, b *Bridge) *testClient {
	t.Helper()
	conn, err := net.Dial("unix", b.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &testClient{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (c *testClient) read() *bridgepb.Frame {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	f, err := ReadFrame(c.r)
	if err != nil {
		c.t.Fatalf("read frame: %v", err)
	}
	return f
}

func (c *testClient) write(f *bridgepb.Frame) {
	c.t.Helper()
	if err := WriteFrame(c.conn, f); err != nil {
		c.t.Fatal(err)
	}
}

// expectClosed asserts the bridge closed this connection.
func (c *testClient) expectClosed() {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	for {
		if _, err := ReadFrame(c.r); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				c.t.Fatal("bridge did not close the connection")
			}
			return
		}
	}
}

func nodeInfo(id p2p.ID) *bridgepb.Frame {
	return &bridgepb.Frame{Kind: &bridgepb.Frame_NodeInfo{NodeInfo: &bridgepb.NodeInfo{NodeId: string(id)}}}
}

func peerUp(id p2p.ID) *bridgepb.Frame {
	return &bridgepb.Frame{Kind: &bridgepb.Frame_PeerUp{PeerUp: &bridgepb.PeerUp{PeerId: string(id)}}}
}

func peerDown(id p2p.ID) *bridgepb.Frame {
	return &bridgepb.Frame{Kind: &bridgepb.Frame_PeerDown{PeerDown: &bridgepb.PeerDown{PeerId: string(id)}}}
}

func received(id p2p.ID, payload string) *bridgepb.Frame {
	return &bridgepb.Frame{Kind: &bridgepb.Frame_Received{Received: &bridgepb.Received{PeerId: string(id), Payload: []byte(payload)}}}
}

func expect(t *testing.T, got, want *bridgepb.Frame) {
	t.Helper()
	if !proto.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestBridgeGreetsWithNodeInfoThenPeerSnapshot(t *testing.T) {
	b := startBridge(t, newFakeNetwork())
	b.PeerUp(peerB)
	b.PeerUp(peerA)
	c := dial(t, b)
	expect(t, c.read(), nodeInfo(selfID))
	expect(t, c.read(), peerUp(peerA)) // sorted
	expect(t, c.read(), peerUp(peerB))

	b.PeerDown(peerA)
	b.Deliver(peerB, []byte("x"))
	expect(t, c.read(), peerDown(peerA))
	expect(t, c.read(), received(peerB, "x"))
}

func TestBridgeForwardsSendAndBroadcast(t *testing.T) {
	n := newFakeNetwork()
	b := startBridge(t, n)
	c := dial(t, b)
	c.read()
	c.write(&bridgepb.Frame{Kind: &bridgepb.Frame_Send{Send: &bridgepb.Send{PeerId: string(peerA), Payload: []byte("to a")}}})
	if s := n.wait(t); s.PeerId != string(peerA) || string(s.Payload) != "to a" {
		t.Fatalf("send: %v", s)
	}
	c.write(&bridgepb.Frame{Kind: &bridgepb.Frame_Broadcast{Broadcast: &bridgepb.Broadcast{Payload: []byte("all")}}})
	if s := n.wait(t); s.PeerId != "" || string(s.Payload) != "all" {
		t.Fatalf("broadcast: %v", s)
	}
}

func TestBridgeDropsAndCountsWithoutClient(t *testing.T) {
	b := startBridge(t, newFakeNetwork())
	for i := 0; i < 5; i++ {
		b.Deliver(peerA, []byte("lost"))
	}
	if got := b.Stats().DroppedNoClient; got != 5 {
		t.Fatalf("dropped %d, want 5", got)
	}
	c := dial(t, b)
	expect(t, c.read(), nodeInfo(selfID))
	b.Deliver(peerA, []byte("kept"))
	expect(t, c.read(), received(peerA, "kept"))
}

func TestBridgeNewClientReplacesOld(t *testing.T) {
	b := startBridge(t, newFakeNetwork())
	old := dial(t, b)
	expect(t, old.read(), nodeInfo(selfID))
	fresh := dial(t, b)
	expect(t, fresh.read(), nodeInfo(selfID))
	old.expectClosed()
	b.Deliver(peerA, []byte("new"))
	expect(t, fresh.read(), received(peerA, "new"))
}

func TestBridgeClosesClientOnBadFrameAndKeepsServing(t *testing.T) {
	bad := map[string][]byte{
		"oversize prefix": {0xff, 0xff, 0xff, 0xff},
		"garbage body":    {0, 0, 0, 3, 0x0a, 0x7f, 0x01},
		"empty frame":     {0, 0, 0, 0},
	}
	wrongKind, _ := AppendFrame(nil, received(peerA, "spoofed"))
	bad["shim-to-client kind"] = wrongKind
	badID, _ := AppendFrame(nil, &bridgepb.Frame{Kind: &bridgepb.Frame_Send{Send: &bridgepb.Send{PeerId: "NOTHEX", Payload: []byte("x")}}})
	bad["bad peer id"] = badID
	bigPayload, _ := AppendFrame(nil, &bridgepb.Frame{Kind: &bridgepb.Frame_Broadcast{Broadcast: &bridgepb.Broadcast{Payload: make([]byte, MaxPayloadSize+1)}}})
	bad["payload over max"] = bigPayload

	n := newFakeNetwork()
	b := startBridge(t, n)
	for name, raw := range bad {
		t.Run(name, func(t *testing.T) {
			c := dial(t, b)
			c.read()
			if _, err := c.conn.Write(raw); err != nil {
				t.Fatal(err)
			}
			c.expectClosed()
		})
	}
	if len(n.calls) != 0 {
		t.Fatal("a bad frame reached the network")
	}
	c := dial(t, b)
	expect(t, c.read(), nodeInfo(selfID))
	b.Deliver(peerA, []byte("still up"))
	expect(t, c.read(), received(peerA, "still up"))
}

// deliverAll calls Deliver n times and fails if that blocks.
func deliverAll(t *testing.T, b *Bridge, n int, payload []byte) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		for i := 0; i < n; i++ {
			b.Deliver(peerA, payload)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
		t.Fatal("Deliver blocked on a full queue")
	}
}

func TestBridgeDropsWhenClientQueueBytesAreFull(t *testing.T) {
	b := startBridge(t, newFakeNetwork())
	c := dial(t, b)
	expect(t, c.read(), nodeInfo(selfID))
	// The client stops reading: the socket buffer, then the queue's byte
	// bound, fill up, and Deliver must drop rather than block.
	deliverAll(t, b, 2*ClientQueueBytes>>20, make([]byte, 1<<20))
	if b.Stats().DroppedQueueFull == 0 {
		t.Fatal("no drop counted on a full queue")
	}
	// Peer events carry no payload, so they still fit.
	b.PeerUp(peerB)
	for f := c.read(); f.GetPeerUp() == nil; f = c.read() {
	}
}

func TestBridgeDisconnectsClientTooSlowForPeerEvents(t *testing.T) {
	b := startBridge(t, newFakeNetwork())
	c := dial(t, b)
	expect(t, c.read(), nodeInfo(selfID))
	deliverAll(t, b, 100*ClientQueueFrames, []byte("x"))
	if b.Stats().DroppedQueueFull == 0 {
		t.Fatal("no drop counted on a full queue")
	}
	// A peer event cannot be dropped, so the stuck client is disconnected
	// and the next one gets the peer in its snapshot.
	b.PeerUp(peerB)
	c.expectClosed()
	again := dial(t, b)
	expect(t, again.read(), nodeInfo(selfID))
	expect(t, again.read(), peerUp(peerB))
}

func TestBridgeStopRemovesSocket(t *testing.T) {
	b := startBridge(t, newFakeNetwork())
	path := b.Addr().String()
	b.Stop()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket left behind: %v", err)
	}
}

func TestBridgeRefusesToReplaceANonSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := NewBridge("unix://"+path, log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(newFakeNetwork(), selfID); err == nil {
		b.Stop()
		t.Fatal("started over a regular file")
	}
	if data, _ := os.ReadFile(path); string(data) != "keep me" {
		t.Fatal("regular file clobbered")
	}
}

func TestParseAddress(t *testing.T) {
	good := map[string][2]string{
		"unix:///tmp/x.sock":   {"unix", "/tmp/x.sock"},
		"tcp://127.0.0.1:9000": {"tcp", "127.0.0.1:9000"},
		"tcp://[::1]:9000":     {"tcp", "[::1]:9000"},
		"tcp://localhost:0":    {"tcp", "localhost:0"},
	}
	for url, want := range good {
		n, a, err := ParseAddress(url)
		if err != nil || n != want[0] || a != want[1] {
			t.Errorf("%s: %s %s %v", url, n, a, err)
		}
	}
	for _, url := range []string{
		"unix://relative.sock", "tcp://0.0.0.0:9000", "tcp://10.1.2.3:9000", "tcp://127.0.0.1",
		"http://127.0.0.1:1", "/tmp/x.sock", "unix:///" + string(make([]byte, 200)),
	} {
		if _, _, err := ParseAddress(url); err == nil {
			t.Errorf("%q accepted", url)
		}
	}
}
