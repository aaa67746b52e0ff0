package cpuref

// Neighbourhoods. A window of radius r around cell (row, col) holds
// (2r+1)² slots, numbered row-major: slot m is the offset
// (dy, dx) = (m/(2r+1) − r, m%(2r+1) − r). Every weight array stores a
// cell's whole window, slots off the grid (and the recurrent centre)
// included: those weights are 0 and never change, and keeping them makes
// the index of a weight a product, not a search.

// PatchR is the radius of the input receptive field, the 3×3 patch that
// W_in (and W12) weigh.
const PatchR = 1

// Slots returns the number of slots in a window of radius r.
func Slots(r int) int { return (2*r + 1) * (2*r + 1) }

// Neighbour returns the cell index at slot m of the radius-r window around
// cell (row, col) of an n×n grid, and false when that slot is off the grid.
func Neighbour(n, row, col, r, m int) (int, bool) {
	w := 2*r + 1
	y := row + m/w - r
	x := col + m%w - r
	if y < 0 || y >= n || x < 0 || x >= n {
		return 0, false
	}
	return y*n + x, true
}
