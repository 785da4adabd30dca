package labkit

import "slices"

// Lab names one of the race labs.
type Lab string

// The labs.
const (
	// Race: N replicas migrate on boot with no lock.
	Race Lab = "race"
	// Fix: the same app with runonce as its initContainer.
	Fix Lab = "fix"
	// Compare: every strategy side by side, with and without CREATE INDEX
	// CONCURRENTLY.
	Compare Lab = "compare"
)

// Labs are the labs, in the order the usage lists them.
func Labs() []Lab { return []Lab{Race, Fix, Compare} }

// Known reports whether l is one of [Labs].
func (l Lab) Known() bool { return slices.Contains(Labs(), l) }

// RuntimeName names a row of the runtime table: where replicas run.
type RuntimeName string

// ProviderName names a row of the Postgres provider table.
type ProviderName string

// The rows labs/labkit/full adds to [Light], named here so that a program
// built on Light alone tells a name of the full table from a typo (and a
// test checks that the two agree).
const (
	Docker         RuntimeName  = "docker"
	Kind           RuntimeName  = "kind"
	Kubernetes     RuntimeName  = "kubernetes"
	Testcontainers ProviderName = "testcontainers"
)

// FullOnly are the names of the rows only labs/labkit/full has.
func FullOnly() ([]RuntimeName, []ProviderName) {
	return []RuntimeName{Docker, Kind, Kubernetes}, []ProviderName{Testcontainers}
}
