//go:build labsfull

package app

import "github.com/bloglabs/posts/labs/labkit/full"

// built is the full build's command (build tag labsfull): every row of the
// table, and the verbs that need Docker or a cluster.
func built() Command { return Command{Table: full.Table(), Verbs: full.Verbs()} }
