package web

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

func TestSessionCodec(t *testing.T) {
	c := sessionCodec{}
	deadline := time.Date(2026, 11, 29, 15, 4, 5, 123456789, time.UTC)
	values := map[string]any{"user_id": int64(1234567890123), "epoch": 3, "flash": "Votre inscription est confirmée.",
		"flash_kind": "success", "vide": "", "neg": int64(-5), "ok": true, "at": deadline.Add(time.Hour), "f": 1.5}
	b, err := c.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	// Same data, same bytes, whatever the map's order.
	for range 20 {
		again, err := c.Encode(deadline, copyValues(values))
		if err != nil || !bytes.Equal(again, b) {
			t.Fatal("two encodings of the same data differ")
		}
	}
	dl, got, err := c.Decode(b)
	if err != nil || !dl.Equal(deadline) {
		t.Fatalf("deadline %v, %v", dl, err)
	}
	got["at"] = got["at"].(time.Time).UTC()
	values["at"] = values["at"].(time.Time).UTC()
	if !reflect.DeepEqual(got, values) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, values)
	}
	// Sessions written by the gob codec are still read.
	old, _ := scs.GobCodec{}.Encode(deadline, map[string]any{"user_id": int64(7), "epoch": 1})
	if dl, v, err := c.Decode(old); err != nil || !dl.Equal(deadline) || v["user_id"] != int64(7) || v["epoch"] != 1 {
		t.Errorf("gob session: %v %v %v", dl, v, err)
	}
	// Truncated or corrupted data is an error, never a panic.
	for i := 1; i < len(b); i++ {
		if _, _, err := c.Decode(b[:i]); err == nil {
			t.Errorf("truncated at %d: no error", i)
		}
	}
	if _, _, err := c.Decode(append([]byte{sessionCodecVersion, 2, 200}, "xx"...)); err == nil {
		t.Error("corrupted data: no error")
	}
	if _, err := c.Encode(deadline, map[string]any{"x": []int{1}}); err == nil {
		t.Error("an unsupported type was encoded")
	}
}

func copyValues(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
