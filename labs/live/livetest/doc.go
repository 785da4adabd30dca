// Package livetest drives the live view's page in a real browser, for
// tests: Debian's headless Chromium, started by chromedp with a fresh
// profile. It is imported by tests only, so the lab command never links
// chromedp.
package livetest
