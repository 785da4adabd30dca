// Package svgcheck checks that an SVG chart or diagram is one GitHub will
// render and that it shows what it claims: well-formed XML, an <svg> root
// in the SVG namespace with a size, a non-empty <title>, no script, no
// foreignObject and no external reference (GitHub's image proxy drops
// them), and a <desc> whose line "shows: A; B; ..." lists labels that each
// appear in the text of a <text> element; and that its text is readable on a
// projector: shown 1920 px wide (the drawing's viewBox scaled to that
// width), no text is smaller than 14 px.
//
// The lab charts (labs/report) and the hand-drawn diagrams in docs/ follow
// this convention; their tests call [Check].
package svgcheck
