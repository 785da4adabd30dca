package app

// Windows has no process groups to watch over (see proc_windows.go).

const watchdogArg = "__runonce-watchdog"

type watchdog struct{}

func startWatchdog(int) (*watchdog, error) { return nil, nil }
func (*watchdog) disarm()                  {}
func runWatchdog([]string) error           { return nil }
