package mpc

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/p2p"

	"github.com/abci-mpc/abci-mpc/cometbft/mpc/bridgepb"
)

const (
	// ClientQueueFrames and ClientQueueBytes bound the frames waiting to be
	// written to the bridge client. Beyond them a Received frame is dropped
	// and counted; a peer event that does not fit disconnects the client, which
	// then gets a fresh NodeInfo and peer list when it reconnects.
	ClientQueueFrames = 1024
	ClientQueueBytes  = 64 << 20

	ioBufferSize = 64 << 10
)

// Network is what the bridge asks of the p2p side: non-blocking sends on the
// MPC channel. The Reactor implements it.
type Network interface {
	Send(to p2p.ID, payload []byte) bool
	Broadcast(payload []byte)
}

// Bridge serves the Python application, a single client at a time, on a
// local socket: it forwards received MPC payloads and peer events to the
// client and the client's Send and Broadcast frames to the Network.
type Bridge struct {
	network, address string
	nodeID           p2p.ID
	logger           log.Logger

	mu      sync.Mutex
	stopped bool
	ln      net.Listener
	net     Network
	client  *client
	peers   map[p2p.ID]struct{}
	wg      sync.WaitGroup

	noClient  dropCounter
	queueFull dropCounter
}

type client struct {
	conn      net.Conn
	out       *queue
	done      chan struct{}
	closeOnce sync.Once
}

func (c *client) close() {
	c.closeOnce.Do(func() {
		close(c.done)
		_ = c.conn.Close()
	})
}

// NewBridge returns a bridge that will listen on url (see ParseAddress) once
// started.
func NewBridge(url string, logger log.Logger) (*Bridge, error) {
	network, address, err := ParseAddress(url)
	if err != nil {
		return nil, err
	}
	return &Bridge{
		network: network,
		address: address,
		logger:  logger,
		peers:   make(map[p2p.ID]struct{}),
	}, nil
}

// Addr is the address the bridge listens on, once started.
func (b *Bridge) Addr() net.Addr {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ln == nil {
		return nil
	}
	return b.ln.Addr()
}

// Start listens and serves clients, announcing self as this node's ID and
// sending their frames to n.
func (b *Bridge) Start(n Network, self p2p.ID) error {
	if b.network == "unix" {
		if err := removeStaleSocket(b.address); err != nil {
			return err
		}
	}
	ln, err := net.Listen(b.network, b.address)
	if err != nil {
		return fmt.Errorf("mpc bridge: %w", err)
	}
	if b.network == "unix" {
		// Only the node's own user may speak for the node on the MPC channel.
		if err := os.Chmod(b.address, 0o600); err != nil {
			_ = ln.Close()
			return fmt.Errorf("mpc bridge: %w", err)
		}
	}
	b.mu.Lock()
	b.ln, b.net, b.nodeID = ln, n, self
	b.mu.Unlock()
	b.logger.Info("MPC bridge listening", "addr", b.network+"://"+ln.Addr().String())
	b.wg.Add(1)
	go b.acceptLoop(ln)
	return nil
}

// removeStaleSocket deletes a socket left by a previous run, and refuses to
// delete anything that is not a socket.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mpc bridge: %w", err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("mpc bridge: %s exists and is not a socket", path)
	}
	return os.Remove(path)
}

// Stop closes the listener and the client and waits for their goroutines.
func (b *Bridge) Stop() {
	b.mu.Lock()
	b.stopped = true
	ln := b.ln
	if b.client != nil {
		b.closeClientLocked(b.client)
	}
	b.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	b.wg.Wait()
}

// Stats are the bridge's drop counters since start.
type Stats struct {
	DroppedNoClient  uint64 // received while no client was connected
	DroppedQueueFull uint64 // received while the client's queue was full
}

func (b *Bridge) Stats() Stats {
	return Stats{DroppedNoClient: b.noClient.count(), DroppedQueueFull: b.queueFull.count()}
}

// Deliver queues a payload received from peer from for the client. It never
// blocks: without a client, or with its queue full, the payload is dropped.
func (b *Bridge) Deliver(from p2p.ID, payload []byte) {
	f := &bridgepb.Frame{Kind: &bridgepb.Frame_Received{
		Received: &bridgepb.Received{PeerId: string(from), Payload: payload},
	}}
	b.mu.Lock()
	c := b.client
	ok := c != nil && c.out.tryPush(f, len(payload))
	b.mu.Unlock()
	switch {
	case c == nil:
		b.noClient.add(b.logger, "MPC frame dropped: no bridge client connected", "peer", from)
	case !ok:
		b.queueFull.add(b.logger, "MPC frame dropped: bridge client queue full", "peer", from,
			"max_frames", ClientQueueFrames, "max_bytes", ClientQueueBytes)
	}
}

// PeerUp records a connected MPC peer and tells the client.
func (b *Bridge) PeerUp(id p2p.ID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.peers[id] = struct{}{}
	b.notifyLocked(&bridgepb.Frame{Kind: &bridgepb.Frame_PeerUp{PeerUp: &bridgepb.PeerUp{PeerId: string(id)}}})
}

// PeerDown forgets a peer and tells the client.
func (b *Bridge) PeerDown(id p2p.ID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.peers[id]; !ok {
		return
	}
	delete(b.peers, id)
	b.notifyLocked(&bridgepb.Frame{Kind: &bridgepb.Frame_PeerDown{PeerDown: &bridgepb.PeerDown{PeerId: string(id)}}})
}

// notifyLocked queues a peer event. Losing one would leave the client with a
// wrong peer set, so a client too slow to take it is disconnected instead and
// resynchronised by the snapshot sent on its next connect.
func (b *Bridge) notifyLocked(f *bridgepb.Frame) {
	c := b.client
	if c == nil || c.out.tryPush(f, 0) {
		return
	}
	b.logger.Error("MPC bridge client too slow to take a peer event; disconnecting it")
	b.closeClientLocked(c)
}

func (b *Bridge) acceptLoop(ln net.Listener) {
	defer b.wg.Done()
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Typically out of file descriptors: back off rather than spin.
			b.logger.Error("MPC bridge accept failed", "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		b.attach(conn)
	}
}

// attach makes conn the client, replacing any previous one, and queues the
// snapshot (NodeInfo, then a PeerUp per connected peer) ahead of any event.
func (b *Bridge) attach(conn net.Conn) {
	c := &client{conn: conn, out: newQueue(ClientQueueFrames, ClientQueueBytes), done: make(chan struct{})}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		_ = conn.Close()
		return
	}
	if old := b.client; old != nil {
		b.logger.Info("MPC bridge client replaced by a new connection")
		b.closeClientLocked(old)
	}
	c.out.tryPush(&bridgepb.Frame{Kind: &bridgepb.Frame_NodeInfo{NodeInfo: &bridgepb.NodeInfo{NodeId: string(b.nodeID)}}}, 0)
	ids := make([]string, 0, len(b.peers))
	for id := range b.peers {
		ids = append(ids, string(id))
	}
	sort.Strings(ids)
	b.client = c
	for _, id := range ids {
		b.notifyLocked(&bridgepb.Frame{Kind: &bridgepb.Frame_PeerUp{PeerUp: &bridgepb.PeerUp{PeerId: id}}})
	}
	b.logger.Info("MPC bridge client connected", "peers", len(ids))
	b.wg.Add(2)
	go b.writeLoop(c)
	go b.readLoop(c)
}

func (b *Bridge) closeClientLocked(c *client) {
	if b.client == c {
		b.client = nil
	}
	c.close()
}

func (b *Bridge) dropClient(c *client) {
	b.mu.Lock()
	b.closeClientLocked(c)
	b.mu.Unlock()
}

func (b *Bridge) writeLoop(c *client) {
	defer b.wg.Done()
	w := bufio.NewWriterSize(c.conn, ioBufferSize)
	var buf []byte
	for {
		select {
		case <-c.done:
			return
		case item := <-c.out.ch:
			c.out.done(item)
			var err error
			if buf, err = AppendFrame(buf[:0], item.frame); err != nil {
				b.logger.Error("MPC bridge: cannot encode frame", "err", err)
				continue
			}
			if _, err = w.Write(buf); err == nil && len(c.out.ch) == 0 {
				err = w.Flush()
			}
			if err != nil {
				b.logger.Info("MPC bridge client write failed; disconnecting it", "err", err)
				b.dropClient(c)
				return
			}
		}
	}
}

func (b *Bridge) readLoop(c *client) {
	defer b.wg.Done()
	defer b.dropClient(c)
	r := bufio.NewReaderSize(c.conn, ioBufferSize)
	for {
		f, err := ReadFrame(r)
		if err == nil {
			err = b.dispatch(f)
		}
		switch {
		case err == nil:
			continue
		case errors.Is(err, ErrFrameTooLarge) || errors.Is(err, ErrMalformedFrame):
			b.logger.Error("MPC bridge client sent a bad frame; disconnecting it", "err", err)
		default:
			select {
			case <-c.done: // closed by us: replaced or stopping
			default:
				b.logger.Info("MPC bridge client disconnected", "err", err)
			}
		}
		return
	}
}

// dispatch carries out one client frame. Errors wrap ErrMalformedFrame.
func (b *Bridge) dispatch(f *bridgepb.Frame) error {
	switch k := f.Kind.(type) {
	case *bridgepb.Frame_Send:
		id, err := parsePeerID(k.Send.PeerId)
		if err != nil {
			return err
		}
		if err := checkPayload(k.Send.Payload); err != nil {
			return err
		}
		b.net.Send(id, k.Send.Payload)
	case *bridgepb.Frame_Broadcast:
		if err := checkPayload(k.Broadcast.Payload); err != nil {
			return err
		}
		b.net.Broadcast(k.Broadcast.Payload)
	case nil:
		return fmt.Errorf("%w: frame has no kind set", ErrMalformedFrame)
	default:
		return fmt.Errorf("%w: a client may send only Send or Broadcast, got %T", ErrMalformedFrame, k)
	}
	return nil
}

func checkPayload(p []byte) error {
	if len(p) > MaxPayloadSize {
		return fmt.Errorf("%w: payload of %d bytes exceeds %d", ErrMalformedFrame, len(p), MaxPayloadSize)
	}
	return nil
}

// parsePeerID accepts a CometBFT node ID: 40 lowercase hex characters.
func parsePeerID(s string) (p2p.ID, error) {
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != 20 || strings.ToLower(s) != s {
		return "", fmt.Errorf("%w: peer_id %.64q is not a node ID (40 lowercase hex characters)", ErrMalformedFrame, s)
	}
	return p2p.ID(s), nil
}
