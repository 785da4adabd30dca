package workshop

import (
	"os"
	"strconv"
)

// cwdOf is the working directory of process pid ("" when it cannot be
// read: another user's process, or gone).
func cwdOf(pid int) string {
	d, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd")
	if err != nil {
		return ""
	}
	return d
}
