package gpu

import (
	"testing"

	"github.com/spikecast/spikecast/cpuref"
)

// TestCapacityOf: a batch's size is set by whichever GL limit is
// smallest for its networks, and the answer names it.
func TestCapacityOf(t *testing.T) {
	llvmpipe := glLimits{maxBlock: 128 << 20, align: 16, maxUniform: 64 << 10, maxZ: 65535}
	params := func(n int) cpuref.Params {
		p := cpuref.Defaults()
		p.N = n
		return p
	}
	perNet := int64(4 * len(batchParams())) // bytes of uniform block a network
	p256 := params(256)
	wout := int64(p256.N) * int64(p256.N) * int64(p256.OutWidth()) * 4
	for _, c := range []struct {
		name  string
		p     cpuref.Params
		l     glLimits
		want  int
		limit string
	}{
		{"small networks: the uniform block", params(4), llvmpipe, int(llvmpipe.maxUniform / perNet), "GL_MAX_UNIFORM_BLOCK_SIZE"},
		{"weights alone need bands", params(2048), llvmpipe, 0, "GL_MAX_SHADER_STORAGE_BLOCK_SIZE"},
		{"the storage block", p256, glLimits{maxBlock: 40 << 20, align: 16, maxUniform: 64 << 10, maxZ: 65535}, int((40 << 20) / wout), "GL_MAX_SHADER_STORAGE_BLOCK_SIZE"},
		{"the work groups", params(4), glLimits{maxBlock: 128 << 20, align: 16, maxUniform: 64 << 10, maxZ: 100}, 100, "GL_MAX_COMPUTE_WORK_GROUP_COUNT"},
		{"free memory", p256, glLimits{maxBlock: 2 << 30, align: 256, maxUniform: 64 << 10, maxZ: 65535, free: 100 << 20}, int((100 << 20) / 10 * 9 / BytesFor(p256)), "the GPU's free memory"},
	} {
		got, limit := capacityOf(c.p, c.l)
		if got != c.want || limit != c.limit {
			t.Errorf("%s: %d (%s), want %d (%s)", c.name, got, limit, c.want, c.limit)
		}
	}
}
