package mpc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"

	"github.com/abci-mpc/abci-mpc/cometbft/mpc/bridgepb"
)

const (
	// MaxPayloadSize bounds one MPC payload, both on the p2p channel and on the
	// bridge. CGGMP21 messages for a handful of parties are far smaller; the
	// bound exists so a peer or a buggy client cannot make us buffer more.
	MaxPayloadSize = 4 << 20

	// MaxFrameSize bounds one encoded bridge Frame: a payload plus room for the
	// peer ID and the protobuf tags around it.
	MaxFrameSize = MaxPayloadSize + 1024

	lengthPrefixSize = 4
)

var (
	// ErrFrameTooLarge means a length prefix or an encoded frame exceeds MaxFrameSize.
	ErrFrameTooLarge = errors.New("bridge frame too large")
	// ErrMalformedFrame means the bytes are not a valid Frame for the direction they travel.
	ErrMalformedFrame = errors.New("malformed bridge frame")
)

// AppendFrame appends f, encoded as a 4-byte big-endian length followed by
// the protobuf bytes, to buf.
func AppendFrame(buf []byte, f *bridgepb.Frame) ([]byte, error) {
	size := proto.Size(f)
	if size > MaxFrameSize {
		return buf, fmt.Errorf("%w: %d bytes (max %d)", ErrFrameTooLarge, size, MaxFrameSize)
	}
	buf = binary.BigEndian.AppendUint32(buf, uint32(size))
	return proto.MarshalOptions{}.MarshalAppend(buf, f)
}

// WriteFrame writes one length-prefixed frame to w with a single Write.
func WriteFrame(w io.Writer, f *bridgepb.Frame) error {
	buf, err := AppendFrame(nil, f)
	if err != nil {
		return err
	}
	_, err = w.Write(buf)
	return err
}

// ReadFrame reads one length-prefixed frame. It returns io.EOF only when r
// ends cleanly between frames; a frame cut short is io.ErrUnexpectedEOF.
func ReadFrame(r io.Reader) (*bridgepb.Frame, error) {
	var prefix [lengthPrefixSize]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(prefix[:])
	if size > MaxFrameSize {
		return nil, fmt.Errorf("%w: length prefix %d (max %d)", ErrFrameTooLarge, size, MaxFrameSize)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	f := new(bridgepb.Frame)
	if err := proto.Unmarshal(body, f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedFrame, err)
	}
	return f, nil
}
