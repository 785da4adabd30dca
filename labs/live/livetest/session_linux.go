package livetest

import (
	"os/exec"
	"syscall"

	"github.com/chromedp/chromedp"
)

// OwnSession starts the browser in a session of its own, as a desktop
// starts the browser a user watches in, apart from the terminal that runs
// the lab. Linux's scheduler (autogroup) then shares the CPU between the
// browser and the lab's whole session, not between the browser and each of
// the lab's processes. The browser still dies with the test (Pdeathsig,
// which chromedp sets when nothing modifies its command).
var OwnSession chromedp.ExecAllocatorOption = chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}
})
