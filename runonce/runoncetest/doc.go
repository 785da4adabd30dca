// Package runoncetest ships runonce's own contract as reusable tests, so a
// program that wraps runonce (its own options, its own schema, a pooler in
// front of the database) can check that the contract still holds there, the
// way goose's lock/locktesting does for its lockers.
//
// TestExactlyOnce checks that of Replicas callers started together with one
// version, exactly one runs the step and the others skip; TestSerialized
// that without a version every caller runs it, never two at once. Both
// take the caller's own ConnConfig and Options (a schema, a lease, a
// pooler flag), so the contract is checked where the caller runs.
package runoncetest
