package trainer_test

import (
	"errors"
	"slices"
	"testing"

	"campus/internal/trainer"
)

func TestNext(t *testing.T) {
	for _, c := range []struct {
		from, decision, want string
	}{
		{trainer.StatusReceived, trainer.DecisionAccept, trainer.StatusAccepted},
		{trainer.StatusReceived, trainer.DecisionDecline, trainer.StatusDeclined},
		{trainer.StatusReceived, trainer.DecisionAsk, trainer.StatusMoreInfo},
		{trainer.StatusMoreInfo, trainer.DecisionAccept, trainer.StatusAccepted},
		{trainer.StatusMoreInfo, trainer.DecisionAsk, trainer.StatusMoreInfo},
		{trainer.StatusAccepted, trainer.DecisionDecline, ""},
		{trainer.StatusDeclined, trainer.DecisionAccept, ""},
		{trainer.StatusReceived, "publier", ""},
	} {
		got, err := trainer.Next(c.from, c.decision)
		if got != c.want || (c.want == "") != errors.Is(err, trainer.ErrTransition) {
			t.Errorf("Next(%s, %s) = %q, %v; want %q", c.from, c.decision, got, err, c.want)
		}
	}
	if got := trainer.Decisions(trainer.StatusAccepted); len(got) != 0 {
		t.Errorf("decisions on an accepted application: %v", got)
	}
	if got := trainer.Decisions(trainer.StatusReceived); !slices.Equal(got, []string{trainer.DecisionAccept, trainer.DecisionAsk, trainer.DecisionDecline}) {
		t.Errorf("decisions on a received application: %v", got)
	}
	if !trainer.CanReply(trainer.StatusMoreInfo) || trainer.CanReply(trainer.StatusReceived) {
		t.Error("CanReply")
	}
}
