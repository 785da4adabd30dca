// Package report renders simulator results for a reader: [WriteTable] puts
// scenarios side by side (cost, queue-wait percentiles, preemptions,
// retries, lost jobs, pods that never scheduled or landed on the wrong
// pool), [WriteNotes] explains the columns and says why pods could not run,
// and [WriteSVG] draws cost against p95 queue wait with a per-pool timeline
// of one day. Output is byte-for-byte reproducible, so it is tested against
// golden files.
package report
