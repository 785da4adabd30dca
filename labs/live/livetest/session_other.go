//go:build !linux

package livetest

import "github.com/chromedp/chromedp"

// OwnSession changes nothing here: the session a process runs in weighs in
// the CPU's sharing on Linux only (autogroup).
var OwnSession chromedp.ExecAllocatorOption = func(*chromedp.ExecAllocator) {}
