package mpc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/abci-mpc/abci-mpc/cometbft/mpc/bridgepb"
)

const testPeer = "0123456789abcdef0123456789abcdef01234567"

func allKinds() []*bridgepb.Frame {
	return []*bridgepb.Frame{
		{Kind: &bridgepb.Frame_Send{Send: &bridgepb.Send{PeerId: testPeer, Payload: []byte("hello")}}},
		{Kind: &bridgepb.Frame_Broadcast{Broadcast: &bridgepb.Broadcast{Payload: []byte{0, 1, 2}}}},
		{Kind: &bridgepb.Frame_Received{Received: &bridgepb.Received{PeerId: testPeer, Payload: []byte{}}}},
		{Kind: &bridgepb.Frame_PeerUp{PeerUp: &bridgepb.PeerUp{PeerId: testPeer}}},
		{Kind: &bridgepb.Frame_PeerDown{PeerDown: &bridgepb.PeerDown{PeerId: testPeer}}},
		{Kind: &bridgepb.Frame_NodeInfo{NodeInfo: &bridgepb.NodeInfo{NodeId: testPeer}}},
	}
}

func TestFrameRoundTripsEveryKindBackToBack(t *testing.T) {
	var buf bytes.Buffer
	for _, f := range allKinds() {
		if err := WriteFrame(&buf, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range allKinds() {
		got, err := ReadFrame(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if _, err := ReadFrame(&buf); err != io.EOF {
		t.Fatalf("clean end: got %v, want io.EOF", err)
	}
}

func TestFrameLengthPrefixIsBigEndianUint32(t *testing.T) {
	f := allKinds()[0]
	buf, err := AppendFrame(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	if n := binary.BigEndian.Uint32(buf); int(n) != proto.Size(f) || len(buf) != 4+int(n) {
		t.Fatalf("prefix %d, body %d, frame %d", n, proto.Size(f), len(buf))
	}
}

func TestFrameAtMaxPayloadFits(t *testing.T) {
	f := &bridgepb.Frame{Kind: &bridgepb.Frame_Send{Send: &bridgepb.Send{
		PeerId: testPeer, Payload: make([]byte, MaxPayloadSize)}}}
	var buf bytes.Buffer
	if err := WriteFrame(&buf, f); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFrame(&buf); err != nil {
		t.Fatal(err)
	}
}

func TestFrameTooLargeIsRefusedBothWays(t *testing.T) {
	f := &bridgepb.Frame{Kind: &bridgepb.Frame_Broadcast{Broadcast: &bridgepb.Broadcast{
		Payload: make([]byte, MaxFrameSize)}}}
	if _, err := AppendFrame(nil, f); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("encode: got %v", err)
	}
	prefix := binary.BigEndian.AppendUint32(nil, MaxFrameSize+1)
	// The reader must refuse on the prefix alone, before allocating or reading a body.
	if _, err := ReadFrame(bytes.NewReader(prefix)); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("decode: got %v", err)
	}
}

func TestFrameTruncatedIsUnexpectedEOF(t *testing.T) {
	buf, _ := AppendFrame(nil, allKinds()[0])
	for cut := 1; cut < len(buf); cut++ {
		if _, err := ReadFrame(bytes.NewReader(buf[:cut])); err != io.ErrUnexpectedEOF {
			t.Fatalf("cut at %d: got %v", cut, err)
		}
	}
}

func TestFrameGarbageIsMalformed(t *testing.T) {
	body := []byte{0x0a, 0x7f, 0x01} // field 1, length 127, one byte present
	buf := append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
	if _, err := ReadFrame(bytes.NewReader(buf)); !errors.Is(err, ErrMalformedFrame) {
		t.Fatalf("got %v", err)
	}
}

// FuzzReadFrame checks that arbitrary bytes never panic the reader and that
// whatever it accepts re-encodes to a frame it accepts again.
func FuzzReadFrame(f *testing.F) {
	for _, fr := range allKinds() {
		buf, _ := AppendFrame(nil, fr)
		f.Add(buf)
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := ReadFrame(bytes.NewReader(data))
		if err != nil {
			return
		}
		buf, err := AppendFrame(nil, fr)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ReadFrame(bytes.NewReader(buf))
		if err != nil || !proto.Equal(fr, again) {
			t.Fatalf("re-encoded frame differs: %v %v", again, err)
		}
	})
}
