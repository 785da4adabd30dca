//go:build windows

package doctor

import "context"

// checkKind on Windows: the labs run inside WSL2 there (pgtemp and the
// process runtime need it), and kind's host check belongs in the same place.
func checkKind(context.Context) outcome {
	return fail("not checked on Windows: run doctor inside WSL2, where the labs run")
}
