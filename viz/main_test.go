package viz

import (
	"testing"

	"github.com/spikecast/spikecast/gpu/gputest"
)

func TestMain(m *testing.M) { gputest.Main(m) }
