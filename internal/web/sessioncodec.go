package web

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec encodes session data (a deadline and a few values: ids, epochs, short strings) in a small
// binary form, keys sorted, so that the same data always gives the same bytes: the session store can tell an
// unchanged session by comparing bytes (postgres.SessionStore.CommitCtx), and a request pays no gob type
// compilation (scs.GobCodec builds a new gob decoder, types and all, for every session read). Data written
// by the gob codec is still read.
type sessionCodec struct{}

const sessionCodecVersion = 0xC1 // first byte; gob data never starts with it

// Value types.
const (
	tagInt64  = 'I'
	tagInt    = 'i'
	tagString = 's'
	tagBool   = 'b'
	tagTime   = 't'
	tagFloat  = 'f'
)

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	b := make([]byte, 0, 64)
	b = append(b, sessionCodecVersion)
	b = binary.AppendVarint(b, deadline.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(values)))
	var arr [16]string // the keys, sorted: on the stack for the few keys a session holds
	keys := arr[:0]
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		switch v := values[k].(type) {
		case int64:
			b = binary.AppendVarint(append(b, tagInt64), v)
		case int:
			b = binary.AppendVarint(append(b, tagInt), int64(v))
		case string:
			b = binary.AppendUvarint(append(b, tagString), uint64(len(v)))
			b = append(b, v...)
		case bool:
			x := byte(0)
			if v {
				x = 1
			}
			b = append(b, tagBool, x)
		case time.Time:
			b = binary.AppendVarint(append(b, tagTime), v.UnixNano())
		case float64:
			b = binary.BigEndian.AppendUint64(append(b, tagFloat), math.Float64bits(v))
		default:
			return nil, fmt.Errorf("session value %q: type %T not supported by the session codec", k, v)
		}
	}
	return b, nil
}

var errSessionData = errors.New("session data: malformed")

// sessionKeys are the keys the portal writes in sessions, so that decoding one (every signed-in request) does
// not allocate its keys.
var sessionKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{sessUser, sessEpoch, sessFlashKind, sessFlashText, sessState, sessNonce, sessNext,
		sessVerifier, sessIDToken, sessPCAt, sessSentTo, sessCalendarURL} {
		m[k] = k
	}
	return m
}()

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if len(b) == 0 || b[0] != sessionCodecVersion {
		return scs.GobCodec{}.Decode(b) // sessions written before this codec
	}
	b = b[1:]
	next := func() (int64, bool) {
		v, n := binary.Varint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	nextLen := func() (int, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > uint64(len(b)-n) {
			return 0, false
		}
		b = b[n:]
		return int(v), true
	}
	dl, ok := next()
	if !ok {
		return time.Time{}, nil, errSessionData
	}
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return time.Time{}, nil, errSessionData
	}
	b = b[n:]
	values := make(map[string]any, count)
	for range count {
		kl, ok := nextLen()
		if !ok {
			return time.Time{}, nil, errSessionData
		}
		k, known := sessionKeys[string(b[:kl])] // no allocation for the portal's own keys
		if !known {
			k = string(b[:kl])
		}
		b = b[kl:]
		if len(b) == 0 {
			return time.Time{}, nil, errSessionData
		}
		tag := b[0]
		b = b[1:]
		switch tag {
		case tagInt64, tagInt, tagTime:
			v, ok := next()
			if !ok {
				return time.Time{}, nil, errSessionData
			}
			switch tag {
			case tagInt64:
				values[k] = v
			case tagInt:
				values[k] = int(v)
			default:
				values[k] = time.Unix(0, v)
			}
		case tagString:
			l, ok := nextLen()
			if !ok {
				return time.Time{}, nil, errSessionData
			}
			values[k] = string(b[:l])
			b = b[l:]
		case tagBool:
			if len(b) < 1 {
				return time.Time{}, nil, errSessionData
			}
			values[k] = b[0] == 1
			b = b[1:]
		case tagFloat:
			if len(b) < 8 {
				return time.Time{}, nil, errSessionData
			}
			values[k] = math.Float64frombits(binary.BigEndian.Uint64(b))
			b = b[8:]
		default:
			return time.Time{}, nil, errSessionData
		}
	}
	if len(b) != 0 {
		return time.Time{}, nil, errSessionData
	}
	return time.Unix(0, dl), values, nil
}
