// Package docs holds no code: it is the repository's documentation (the
// posts, a guide per lab, runonce, architecture, troubleshooting, the
// workshop kit and the diagrams in img/). Its tests keep the pages honest:
// every committed SVG is a chart GitHub renders and shows what it claims
// (internal/svgcheck), every picture a page shows exists, and no page
// points outside the repository's own files.
package docs
