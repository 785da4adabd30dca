// Package report is a lab's result and its two renderings: the text a person
// reads (a header, one timeline line per replica, the database check, and a
// last line `verdict: ...`; colour when asked for), and JSON for tests and
// tools (--json FILE).
//
// The types are plain data: the lab engine (labs/engine) fills them from what
// the runtime reported and what the database holds.
package report
