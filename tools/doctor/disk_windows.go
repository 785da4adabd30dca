//go:build windows

package doctor

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// freeBytes is the space the current user can still fill at dir.
func freeBytes(dir string) (uint64, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, err
	}
	var free, total, totalFree uint64
	if err := windows.GetDiskFreeSpaceEx(p, &free, &total, &totalFree); err != nil {
		return 0, fmt.Errorf("free space at %s: %w", dir, err)
	}
	return free, nil
}
