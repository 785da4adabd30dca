// Package layout holds tests of the repository's architecture rules, the ones
// STYLE.md states and a reviewer would otherwise have to remember: runonce
// imports only pgx and the standard library (people import it into their own
// programs), and no command has logic a test cannot reach.
package layout
