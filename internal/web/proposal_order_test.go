package web

import (
	"slices"
	"testing"

	"campus/internal/programme"
)

// A new proposal keeps the order the admin gave the previous one's modules; the modules added follow.
func TestKeepOrder(t *testing.T) {
	previous := []programme.Ref{{ID: 30}, {ID: 10}, {ID: 20}}
	for _, c := range []struct{ chosen, want []int64 }{
		{[]int64{10, 20, 30}, []int64{30, 10, 20}},
		{[]int64{5, 10, 20, 30, 7}, []int64{30, 10, 20, 5, 7}},
		{[]int64{20, 40}, []int64{20, 40}},
		{nil, nil},
	} {
		if got := keepOrder(c.chosen, previous); !slices.Equal(got, c.want) {
			t.Errorf("keepOrder(%v) = %v, want %v", c.chosen, got, c.want)
		}
	}
}
