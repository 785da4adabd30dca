//go:build unix

package kind

import "syscall"

// localCgroupVersion reads this machine's /sys/fs/cgroup: "2", "1", or ""
// when there is none.
func localCgroupVersion() string {
	var st syscall.Statfs_t
	if err := syscall.Statfs("/sys/fs/cgroup", &st); err != nil {
		return ""
	}
	const cgroup2Magic = 0x63677270
	if st.Type == cgroup2Magic {
		return "2"
	}
	return "1"
}
