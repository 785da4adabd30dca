// Package appimage builds the lab image: the demo app and runonce as static
// binaries (CGO_ENABLED=0) in an image FROM scratch, made in Go by
// tools/images and loaded into the local Docker engine — no registry, no
// base image, no pull. The docker runtime runs it; the kind runtime loads it
// into the cluster's nodes.
//
// The image is tagged by content, bloglabs/lab:<12 hex digits of its ID>: a
// rebuild of unchanged sources gives the same tag, which the engine and
// kind's nodes already have, so nothing is loaded twice; a changed source
// gives a new tag, so a kept cluster never runs a stale binary.
//
// Layout: /usr/local/bin/{demoapp,runonce}, PATH=/usr/local/bin, an empty
// /tmp, user 65534 (nobody): a spec's commands ("demoapp", "runonce") are
// found on PATH as on the process runtime. Dockerfile in this folder builds
// the same layout from source for those who want their own image.
package appimage
