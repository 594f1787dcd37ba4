package frame

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// HeaderLen is the size of an HTTP/2 frame header (RFC 9113 §4.1).
const HeaderLen = 9

// Type is an HTTP/2 frame type.
type Type uint8

// Frame types (RFC 9113 §6).
const (
	TypeData         Type = 0x0
	TypeHeaders      Type = 0x1
	TypePriority     Type = 0x2
	TypeRSTStream    Type = 0x3
	TypeSettings     Type = 0x4
	TypePushPromise  Type = 0x5
	TypePing         Type = 0x6
	TypeGoAway       Type = 0x7
	TypeWindowUpdate Type = 0x8
	TypeContinuation Type = 0x9
)

var typeNames = [...]string{"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"}

// String names t as Go's http2 package does.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "UNKNOWN_FRAME_TYPE_" + strconv.Itoa(int(t))
}

// Flags are a frame header's flag bits.
type Flags uint8

// Flag bits; their meaning depends on the frame type.
const (
	FlagEndStream  Flags = 0x1  // DATA, HEADERS
	FlagAck        Flags = 0x1  // SETTINGS, PING
	FlagEndHeaders Flags = 0x4  // HEADERS, PUSH_PROMISE, CONTINUATION
	FlagPadded     Flags = 0x8  // DATA, HEADERS, PUSH_PROMISE
	FlagPriority   Flags = 0x20 // HEADERS
)

// Has reports whether all the bits of v are set.
func (f Flags) Has(v Flags) bool { return f&v == v }

// flagName returns the name of one flag bit for frame type t, or "".
func flagName(t Type, bit Flags) string {
	switch t {
	case TypeData:
		switch bit {
		case FlagEndStream:
			return "END_STREAM"
		case FlagPadded:
			return "PADDED"
		}
	case TypeHeaders:
		switch bit {
		case FlagEndStream:
			return "END_STREAM"
		case FlagEndHeaders:
			return "END_HEADERS"
		case FlagPadded:
			return "PADDED"
		case FlagPriority:
			return "PRIORITY"
		}
	case TypeSettings, TypePing:
		if bit == FlagAck {
			return "ACK"
		}
	case TypePushPromise:
		switch bit {
		case FlagEndHeaders:
			return "END_HEADERS"
		case FlagPadded:
			return "PADDED"
		}
	case TypeContinuation:
		if bit == FlagEndHeaders {
			return "END_HEADERS"
		}
	}
	return ""
}

// ErrCode is an HTTP/2 error code (RST_STREAM, GOAWAY).
type ErrCode uint32

// Error codes (RFC 9113 §7).
const (
	ErrCodeNo                 ErrCode = 0x0
	ErrCodeProtocol           ErrCode = 0x1
	ErrCodeInternal           ErrCode = 0x2
	ErrCodeFlowControl        ErrCode = 0x3
	ErrCodeSettingsTimeout    ErrCode = 0x4
	ErrCodeStreamClosed       ErrCode = 0x5
	ErrCodeFrameSize          ErrCode = 0x6
	ErrCodeRefusedStream      ErrCode = 0x7
	ErrCodeCancel             ErrCode = 0x8
	ErrCodeCompression        ErrCode = 0x9
	ErrCodeConnect            ErrCode = 0xa
	ErrCodeEnhanceYourCalm    ErrCode = 0xb
	ErrCodeInadequateSecurity ErrCode = 0xc
	ErrCodeHTTP11Required     ErrCode = 0xd
)

var errCodeNames = [...]string{"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
	"STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR",
	"ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"}

// String names e as Go's http2 package does.
func (e ErrCode) String() string {
	if int(e) < len(errCodeNames) {
		return errCodeNames[e]
	}
	return fmt.Sprintf("unknown error code 0x%x", uint32(e))
}

// SettingID is a SETTINGS parameter.
type SettingID uint16

// SETTINGS parameters (RFC 9113 §6.5.2, RFC 8441, RFC 9218).
const (
	SettingHeaderTableSize       SettingID = 0x1
	SettingEnablePush            SettingID = 0x2
	SettingMaxConcurrentStreams  SettingID = 0x3
	SettingInitialWindowSize     SettingID = 0x4
	SettingMaxFrameSize          SettingID = 0x5
	SettingMaxHeaderListSize     SettingID = 0x6
	SettingEnableConnectProtocol SettingID = 0x8
	SettingNoRFC7540Priorities   SettingID = 0x9
)

// String names s as Go's http2 package does.
func (s SettingID) String() string {
	switch s {
	case SettingHeaderTableSize:
		return "HEADER_TABLE_SIZE"
	case SettingEnablePush:
		return "ENABLE_PUSH"
	case SettingMaxConcurrentStreams:
		return "MAX_CONCURRENT_STREAMS"
	case SettingInitialWindowSize:
		return "INITIAL_WINDOW_SIZE"
	case SettingMaxFrameSize:
		return "MAX_FRAME_SIZE"
	case SettingMaxHeaderListSize:
		return "MAX_HEADER_LIST_SIZE"
	case SettingEnableConnectProtocol:
		return "ENABLE_CONNECT_PROTOCOL"
	case SettingNoRFC7540Priorities:
		return "NO_RFC7540_PRIORITIES"
	}
	return "UNKNOWN_SETTING_" + strconv.Itoa(int(s))
}

// Setting is one SETTINGS parameter.
type Setting struct {
	ID  SettingID
	Val uint32
}

// Header is a decoded frame header.
type Header struct {
	Length   uint32 // payload length (24 bits)
	Type     Type
	Flags    Flags
	StreamID uint32 // reserved bit cleared
}

// ParseHeader decodes a 9-byte frame header.
func ParseHeader(b [HeaderLen]byte) Header {
	return Header{
		Length:   uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]),
		Type:     Type(b[3]),
		Flags:    Flags(b[4]),
		StreamID: binary.BigEndian.Uint32(b[5:]) & (1<<31 - 1),
	}
}

// Priority is a stream dependency (PRIORITY, HEADERS with PRIORITY).
type Priority struct {
	StreamDep uint32
	Exclusive bool
	Weight    uint8 // on the wire: weight-1
}

// Frame is a decoded frame. Only the fields of its type are set; byte
// slices alias the payload passed to Decode.
type Frame struct {
	Header

	PadLen      uint8  // DATA, HEADERS, PUSH_PROMISE with PADDED
	DataLen     int    // DATA: bytes of data (payload less padding)
	Data        []byte // DATA: the data
	Fragment    []byte // HEADERS, PUSH_PROMISE, CONTINUATION: header block fragment
	HasPriority bool   // PRIORITY, HEADERS with PRIORITY
	Priority    Priority
	// SelfDependency: a stream that depends on itself, which RFC 9113 §5.3.1
	// makes a stream error of type PROTOCOL_ERROR.
	SelfDependency bool
	ErrCode        ErrCode   // RST_STREAM, GOAWAY
	Settings       []Setting // SETTINGS
	PingData       [8]byte   // PING
	LastStreamID   uint32    // GOAWAY
	DebugData      []byte    // GOAWAY
	Increment      uint32    // WINDOW_UPDATE
	PromisedID     uint32    // PUSH_PROMISE
}

// Error is a frame that breaks RFC 9113. Stream says whether the peer would
// answer it with RST_STREAM (a stream error) rather than GOAWAY.
type Error struct {
	Code   ErrCode
	Stream bool
	Reason string
}

func (e *Error) Error() string {
	kind := "connection"
	if e.Stream {
		kind = "stream"
	}
	return fmt.Sprintf("%s error %v: %s", kind, e.Code, e.Reason)
}

func connErr(code ErrCode, format string, args ...any) *Error {
	return &Error{Code: code, Reason: fmt.Sprintf(format, args...)}
}

func streamErr(code ErrCode, format string, args ...any) *Error {
	return &Error{Code: code, Stream: true, Reason: fmt.Sprintf(format, args...)}
}

// Decode decodes one frame from its header and payload. It never panics;
// a frame that breaks the protocol is returned as far as it could be
// decoded, with an *Error. Unknown frame types decode to their header
// (RFC 9113 §4.1: they must be ignored).
func Decode(hdr [HeaderLen]byte, payload []byte) (Frame, error) {
	return decode(ParseHeader(hdr), payload)
}

// decode is Decode for a header already parsed (the read hook's fields).
func decode(h Header, payload []byte) (Frame, error) {
	f := Frame{Header: h}
	if int(f.Length) != len(payload) {
		return f, connErr(ErrCodeFrameSize, "header says %d payload bytes, got %d", f.Length, len(payload))
	}
	p := payload
	switch f.Type {
	case TypeData:
		if f.StreamID == 0 {
			return f, connErr(ErrCodeProtocol, "DATA frame with stream ID 0")
		}
		var err error
		if p, err = f.unpad(p); err != nil {
			return f, err
		}
		f.Data, f.DataLen = p, len(p)
	case TypeHeaders:
		if f.StreamID == 0 {
			return f, connErr(ErrCodeProtocol, "HEADERS frame with stream ID 0")
		}
		var err error
		if p, err = f.unpad(p); err != nil {
			return f, err
		}
		if f.Flags.Has(FlagPriority) {
			if len(p) < 5 {
				return f, connErr(ErrCodeFrameSize, "HEADERS with PRIORITY: %d bytes, need 5", len(p))
			}
			f.setPriority(p[:5])
			p = p[5:]
		}
		f.Fragment = p
		if f.SelfDependency {
			return f, streamErr(ErrCodeProtocol, "stream %d depends on itself", f.StreamID)
		}
	case TypePriority:
		if f.StreamID == 0 {
			return f, connErr(ErrCodeProtocol, "PRIORITY frame with stream ID 0")
		}
		if len(p) != 5 {
			return f, streamErr(ErrCodeFrameSize, "PRIORITY frame payload size was %d; want 5", len(p))
		}
		f.setPriority(p)
		if f.SelfDependency {
			return f, streamErr(ErrCodeProtocol, "stream %d depends on itself", f.StreamID)
		}
	case TypeRSTStream:
		if len(p) != 4 {
			return f, connErr(ErrCodeFrameSize, "RST_STREAM payload size was %d; want 4", len(p))
		}
		f.ErrCode = ErrCode(binary.BigEndian.Uint32(p))
		if f.StreamID == 0 {
			return f, connErr(ErrCodeProtocol, "RST_STREAM frame with stream ID 0")
		}
	case TypeSettings:
		if f.StreamID != 0 {
			return f, connErr(ErrCodeProtocol, "SETTINGS frame on stream %d", f.StreamID)
		}
		if f.Flags.Has(FlagAck) && len(p) > 0 {
			return f, connErr(ErrCodeFrameSize, "SETTINGS ACK with %d payload bytes", len(p))
		}
		if len(p)%6 != 0 {
			return f, connErr(ErrCodeFrameSize, "SETTINGS payload size %d is not a multiple of 6", len(p))
		}
		if n := len(p) / 6; n > 0 {
			f.Settings = make([]Setting, n)
		}
		for i := range f.Settings {
			s := Setting{ID: SettingID(binary.BigEndian.Uint16(p[6*i:])), Val: binary.BigEndian.Uint32(p[6*i+2:])}
			f.Settings[i] = s
			if err := s.Valid(); err != nil {
				return f, err
			}
		}
	case TypePushPromise:
		if f.StreamID == 0 {
			return f, connErr(ErrCodeProtocol, "PUSH_PROMISE frame with stream ID 0")
		}
		var err error
		if p, err = f.unpad(p); err != nil {
			return f, err
		}
		if len(p) < 4 {
			return f, connErr(ErrCodeFrameSize, "PUSH_PROMISE: %d bytes, need 4", len(p))
		}
		f.PromisedID = binary.BigEndian.Uint32(p) & (1<<31 - 1)
		f.Fragment = p[4:]
		if f.PromisedID == 0 || f.PromisedID%2 == 1 {
			return f, connErr(ErrCodeProtocol, "PUSH_PROMISE promised stream %d is not a server stream", f.PromisedID)
		}
	case TypePing:
		if len(p) != 8 {
			return f, connErr(ErrCodeFrameSize, "PING payload size %d; want 8", len(p))
		}
		copy(f.PingData[:], p)
		if f.StreamID != 0 {
			return f, connErr(ErrCodeProtocol, "PING frame on stream %d", f.StreamID)
		}
	case TypeGoAway:
		if len(p) < 8 {
			return f, connErr(ErrCodeFrameSize, "GOAWAY payload size %d; need 8", len(p))
		}
		f.LastStreamID = binary.BigEndian.Uint32(p) & (1<<31 - 1)
		f.ErrCode = ErrCode(binary.BigEndian.Uint32(p[4:]))
		f.DebugData = p[8:]
		if f.StreamID != 0 {
			return f, connErr(ErrCodeProtocol, "GOAWAY frame on stream %d", f.StreamID)
		}
	case TypeWindowUpdate:
		if len(p) != 4 {
			return f, connErr(ErrCodeFrameSize, "WINDOW_UPDATE payload size %d; want 4", len(p))
		}
		f.Increment = binary.BigEndian.Uint32(p) & (1<<31 - 1)
		if f.Increment == 0 {
			if f.StreamID == 0 {
				return f, connErr(ErrCodeProtocol, "WINDOW_UPDATE with increment 0 on the connection")
			}
			return f, streamErr(ErrCodeProtocol, "WINDOW_UPDATE with increment 0 on stream %d", f.StreamID)
		}
	case TypeContinuation:
		if f.StreamID == 0 {
			return f, connErr(ErrCodeProtocol, "CONTINUATION frame with stream ID 0")
		}
		f.Fragment = p
	}
	return f, nil
}

// unpad strips the padding of a PADDED frame.
func (f *Frame) unpad(p []byte) ([]byte, error) {
	if !f.Flags.Has(FlagPadded) {
		return p, nil
	}
	if len(p) < 1 {
		return p, connErr(ErrCodeFrameSize, "%v with PADDED and no pad length", f.Type)
	}
	f.PadLen = p[0]
	p = p[1:]
	if int(f.PadLen) > len(p) {
		return p, connErr(ErrCodeProtocol, "%v pad length %d exceeds the %d bytes left", f.Type, f.PadLen, len(p))
	}
	return p[:len(p)-int(f.PadLen)], nil
}

func (f *Frame) setPriority(p []byte) {
	v := binary.BigEndian.Uint32(p)
	f.HasPriority = true
	f.Priority = Priority{StreamDep: v & (1<<31 - 1), Exclusive: v&(1<<31) != 0, Weight: p[4]}
	f.SelfDependency = f.Priority.StreamDep == f.StreamID
}

// Valid reports whether the value of s is allowed (RFC 9113 §6.5.2).
func (s Setting) Valid() error {
	switch s.ID {
	case SettingEnablePush:
		if s.Val != 0 && s.Val != 1 {
			return connErr(ErrCodeProtocol, "ENABLE_PUSH=%d; must be 0 or 1", s.Val)
		}
	case SettingInitialWindowSize:
		if s.Val > 1<<31-1 {
			return connErr(ErrCodeFlowControl, "INITIAL_WINDOW_SIZE=%d exceeds 2^31-1", s.Val)
		}
	case SettingMaxFrameSize:
		if s.Val < 1<<14 || s.Val > 1<<24-1 {
			return connErr(ErrCodeProtocol, "MAX_FRAME_SIZE=%d outside 16384..16777215", s.Val)
		}
	case SettingEnableConnectProtocol, SettingNoRFC7540Priorities:
		if s.Val != 0 && s.Val != 1 {
			return connErr(ErrCodeProtocol, "%v=%d; must be 0 or 1", s.ID, s.Val)
		}
	}
	return nil
}
