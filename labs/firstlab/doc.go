// Package firstlab measures first contact: a fresh clone's first `go tool
// mage lab:race` from empty module and build caches, as a workshop
// attendee meets it on a laptop. The network is taken out of the figure:
// modules come from a local copy (GOPROXY=file:// over a filled module
// cache's cache/download), so what is measured is what the command needs —
// bytes of modules fetched, packages compiled, seconds to the verdict —
// not the Wi-Fi. [Measure] runs one revision; the lab command firstlab
// (labs/cmd/firstlab, `go tool mage bench:firstlab`) compares two.
package firstlab
