// Package golden compares test output with files in testdata, and rewrites
// them when the test binary runs with -update: rendered reports, manifests
// and tables are reviewed as files, not as strings inside tests.
package golden
