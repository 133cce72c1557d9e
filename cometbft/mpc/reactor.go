// Package mpc adds the MPC channel to a CometBFT node: a reactor that carries
// opaque payloads between authenticated peers, and a bridge that hands them to
// and from the Python application over a local socket.
package mpc

import (
	"fmt"

	"github.com/cosmos/gogoproto/types"

	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/p2p/conn"
)

const (
	// ChannelID is the p2p channel of the MPC reactor; CometBFT's own
	// reactors use 0x00-0x61.
	ChannelID = byte(0x80)

	// SendQueueCapacity is how many messages per peer may wait in the
	// connection's send queue; a send beyond it is dropped and counted.
	SendQueueCapacity = 256

	// recvMessageCapacity admits a MaxPayloadSize payload inside the
	// BytesValue wrapper (a tag and a length varint). A peer that sends a
	// larger message is disconnected by its connection.
	recvMessageCapacity = MaxPayloadSize + 16

	// channelPriority matches the mempool's; consensus channels rank higher.
	channelPriority = 5
)

// Reactor is the "MPC" reactor. Everything it receives goes to the bridge
// without blocking, and everything it sends uses TrySend, so neither a slow
// bridge client nor a slow peer can stall the switch or consensus.
type Reactor struct {
	p2p.BaseReactor
	bridge *Bridge

	unknownPeer dropCounter
	sendFull    dropCounter
}

var _ Network = (*Reactor)(nil)

// NewReactor returns the reactor; starting it starts the bridge.
func NewReactor(bridge *Bridge) *Reactor {
	r := &Reactor{bridge: bridge}
	r.BaseReactor = *p2p.NewBaseReactor("MPC", r)
	return r
}

func (r *Reactor) OnStart() error {
	return r.bridge.Start(r, r.Switch.NodeInfo().ID())
}

func (r *Reactor) OnStop() { r.bridge.Stop() }

func (r *Reactor) GetChannels() []*conn.ChannelDescriptor {
	return []*conn.ChannelDescriptor{{
		ID:                  ChannelID,
		Priority:            channelPriority,
		SendQueueCapacity:   SendQueueCapacity,
		RecvMessageCapacity: recvMessageCapacity,
		MessageType:         &types.BytesValue{},
	}}
}

func (r *Reactor) AddPeer(peer p2p.Peer) {
	if speaksMPC(peer) {
		r.bridge.PeerUp(peer.ID())
	}
}

func (r *Reactor) RemovePeer(peer p2p.Peer, _ interface{}) {
	if speaksMPC(peer) {
		r.bridge.PeerDown(peer.ID())
	}
}

// Receive hands the payload to the bridge; e.Src.ID() is the sender's node ID
// as authenticated by the secret connection.
func (r *Reactor) Receive(e p2p.Envelope) {
	msg, ok := e.Message.(*types.BytesValue)
	if !ok {
		r.Logger.Error("MPC channel: unexpected message type", "peer", e.Src.ID(), "type", fmt.Sprintf("%T", e.Message))
		return
	}
	r.bridge.Deliver(e.Src.ID(), msg.Value)
}

// Send queues payload for one peer without blocking; it reports false, and
// counts a drop, when the peer is not connected or its send queue is full.
func (r *Reactor) Send(to p2p.ID, payload []byte) bool {
	peer := r.Switch.Peers().Get(to)
	if peer == nil || !speaksMPC(peer) {
		r.unknownPeer.add(r.Logger, "MPC send dropped: peer not connected", "peer", to)
		return false
	}
	return r.trySend(peer, payload)
}

// Broadcast queues payload for every connected MPC peer without blocking.
func (r *Reactor) Broadcast(payload []byte) {
	for _, peer := range r.Switch.Peers().List() {
		if speaksMPC(peer) {
			r.trySend(peer, payload)
		}
	}
}

func (r *Reactor) trySend(peer p2p.Peer, payload []byte) bool {
	if peer.TrySend(p2p.Envelope{ChannelID: ChannelID, Message: &types.BytesValue{Value: payload}}) {
		return true
	}
	r.sendFull.add(r.Logger, "MPC send dropped: peer send queue full or peer stopping", "peer", peer.ID(),
		"queue_capacity", SendQueueCapacity)
	return false
}

// SendStats are the reactor's send drop counters since start.
type SendStats struct {
	DroppedUnknownPeer uint64
	DroppedQueueFull   uint64
}

func (r *Reactor) SendStats() SendStats {
	return SendStats{DroppedUnknownPeer: r.unknownPeer.count(), DroppedQueueFull: r.sendFull.count()}
}

// speaksMPC reports whether the peer announced the MPC channel; a stock
// CometBFT peer does not, and sending to it would fail anyway.
func speaksMPC(peer p2p.Peer) bool {
	ni, ok := peer.NodeInfo().(interface{ HasChannel(byte) bool })
	return ok && ni.HasChannel(ChannelID)
}
