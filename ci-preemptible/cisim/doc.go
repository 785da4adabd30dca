// Package cisim is the command line of the preemptible-CI simulator and the
// lab behind `go tool mage lab:preemptible`: it runs scenarios with package
// sim, prints them side by side as a table, and draws them as an SVG chart
// (cost against p95 queue wait, and a per-pool timeline of one day).
//
// cmd/cisim's main only calls Run and ExitCode, so everything here runs and
// is tested in-process. RunPreemptibleLab is the lab as a Go function;
// RunLiveLab is the same lab live on a kind cluster (`cisim lab --runtime
// kind`, package kindlab).
package cisim
