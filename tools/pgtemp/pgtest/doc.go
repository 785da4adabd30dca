// Package pgtest gives each test package one throwaway PostgreSQL and each
// test a database of its own on it, so tests can run in parallel without
// seeing each other's tables or locks.
//
// A package's TestMain calls [Main]; tests call [DB]. Set LABS_TEST_DSN to
// run against a server you already have instead (its user must be allowed to
// create databases).
package pgtest
