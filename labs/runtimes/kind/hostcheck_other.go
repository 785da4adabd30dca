//go:build !unix

package kind

// localCgroupVersion is "" where there is no /sys/fs/cgroup (Windows): the
// engine's own answer is the one that counts there.
func localCgroupVersion() string { return "" }
