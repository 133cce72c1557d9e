package mpc

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/p2p"

	"github.com/abci-mpc/abci-mpc/cometbft/mpc/bridgepb"
)

type testNode struct {
	sw      *p2p.Switch
	reactor *Reactor
	bridge  *Bridge
}

func (n *testNode) id() p2p.ID { return n.sw.NodeInfo().ID() }

// connectedNodes starts n switches, each with an MPC reactor and bridge,
// fully connected over in-memory pipes with real secret connections.
func connectedNodes(t *testing.T, n int) []*testNode {
	t.Helper()
	dir, err := os.MkdirTemp("", "mpcr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	nodes := make([]*testNode, n)
	p2p.MakeConnectedSwitches(config.DefaultP2PConfig(), n, func(i int, sw *p2p.Switch) *p2p.Switch {
		b, err := NewBridge("unix://"+filepath.Join(dir, string(rune('a'+i))+".sock"), log.NewNopLogger())
		if err != nil {
			panic(err)
		}
		r := NewReactor(b)
		r.SetLogger(log.NewNopLogger())
		sw.AddReactor("MPC", r)
		nodes[i] = &testNode{sw: sw, reactor: r, bridge: b}
		return sw
	}, p2p.Connect2Switches)
	t.Cleanup(func() {
		for _, node := range nodes {
			if node.sw.IsRunning() {
				_ = node.sw.Stop()
			}
		}
	})
	return nodes
}

// attachClient connects a bridge client and consumes the greeting, checking
// it names this node and that every other node is up.
func attachClient(t *testing.T, nodes []*testNode, i int) *testClient {
	t.Helper()
	c := dial(t, nodes[i].bridge)
	expect(t, c.read(), nodeInfo(nodes[i].id()))
	want := map[string]bool{}
	for j, other := range nodes {
		if j != i {
			want[string(other.id())] = true
		}
	}
	for len(want) > 0 {
		f := c.read()
		up := f.GetPeerUp()
		if up == nil || !want[up.PeerId] {
			t.Fatalf("want PeerUp of %v, got %v", want, f)
		}
		delete(want, up.PeerId)
	}
	return c
}

func sendFrame(to p2p.ID, payload []byte) *bridgepb.Frame {
	return &bridgepb.Frame{Kind: &bridgepb.Frame_Send{Send: &bridgepb.Send{PeerId: string(to), Payload: payload}}}
}

func TestReactorsExchangeOverRealSwitches(t *testing.T) {
	nodes := connectedNodes(t, 3)
	clients := []*testClient{attachClient(t, nodes, 0), attachClient(t, nodes, 1), attachClient(t, nodes, 2)}

	clients[0].write(sendFrame(nodes[1].id(), []byte("0 to 1")))
	expect(t, clients[1].read(), received(nodes[0].id(), "0 to 1"))

	clients[2].write(&bridgepb.Frame{Kind: &bridgepb.Frame_Broadcast{Broadcast: &bridgepb.Broadcast{Payload: []byte("from 2")}}})
	expect(t, clients[0].read(), received(nodes[2].id(), "from 2"))
	expect(t, clients[1].read(), received(nodes[2].id(), "from 2"))

	// Per-peer order is preserved on the channel.
	for _, m := range []string{"a", "b", "c"} {
		clients[1].write(sendFrame(nodes[0].id(), []byte(m)))
	}
	for _, m := range []string{"a", "b", "c"} {
		expect(t, clients[0].read(), received(nodes[1].id(), m))
	}
}

func TestReactorCarriesMaxPayload(t *testing.T) {
	nodes := connectedNodes(t, 2)
	a, b := attachClient(t, nodes, 0), attachClient(t, nodes, 1)
	big := bytes.Repeat([]byte{0xab}, MaxPayloadSize)
	a.write(sendFrame(nodes[1].id(), big))
	got := b.read().GetReceived()
	if got == nil || !bytes.Equal(got.Payload, big) || got.PeerId != string(nodes[0].id()) {
		t.Fatal("max-size payload not delivered intact")
	}
	// The connection survived: a small frame still gets through.
	a.write(sendFrame(nodes[1].id(), []byte("after")))
	expect(t, b.read(), received(nodes[0].id(), "after"))
}

func TestReactorSendToUnknownPeerIsDroppedAndCounted(t *testing.T) {
	nodes := connectedNodes(t, 2)
	a := attachClient(t, nodes, 0)
	a.write(sendFrame(peerA, []byte("nobody")))
	deadline := time.Now().Add(timeout)
	for nodes[0].reactor.SendStats().DroppedUnknownPeer != 1 {
		if time.Now().After(deadline) {
			t.Fatal("send to an unknown peer not counted")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReactorBurstNeverBlocksAndCountsDrops(t *testing.T) {
	nodes := connectedNodes(t, 2)
	// No client on node 1: everything it receives is dropped and counted.
	payload := make([]byte, 16<<10)
	start := time.Now()
	sent := 0
	for i := 0; i < 4*SendQueueCapacity; i++ {
		if nodes[0].reactor.Send(nodes[1].id(), payload) {
			sent++
		}
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("sends blocked for %v", elapsed)
	}
	if nodes[0].reactor.SendStats().DroppedQueueFull == 0 {
		t.Fatal("a burst over the send queue capacity dropped nothing")
	}
	deadline := time.Now().Add(timeout)
	for nodes[1].bridge.Stats().DroppedNoClient != uint64(sent) {
		if time.Now().After(deadline) {
			t.Fatalf("node 1 counted %d drops, want %d", nodes[1].bridge.Stats().DroppedNoClient, sent)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReactorReportsPeerDown(t *testing.T) {
	nodes := connectedNodes(t, 2)
	a := attachClient(t, nodes, 0)
	if err := nodes[1].sw.Stop(); err != nil {
		t.Fatal(err)
	}
	expect(t, a.read(), peerDown(nodes[1].id()))
}
