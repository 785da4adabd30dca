// Package slides builds the workshop's projector pack: docs/workshop/
// slides.md (the opening talk and a slide per exercise, split at lines that
// hold only ---) rendered with goldmark into one self-contained HTML page —
// styles and keyboard script inline, local SVG pictures embedded as data:
// URIs — that needs no network. One slide shows at a time (#s1, #s2, ...);
// the text is sized for a 1920×1080 projector, nothing under 14 px, and a
// picture gets a slide of its own, where it fills the screen.
//
// It is a package of its own, apart from tools/workshop, so that the room
// tools an attendee runs (check, run, reset) build from the standard
// library alone, offline.
package slides
