// Package images builds container images without a registry, a base image
// or a daemon: an image FROM scratch holding a few files (static binaries),
// written as the archive `docker save` writes, which `docker load`, the
// Docker API's image load and a kind node's containerd (`ctr images import`)
// all read.
//
// The archive is reproducible: file times, owners and the image's creation
// time are fixed, so the same files give the same image ID. An unchanged
// image is then recognised as already present — by the engine and by kind's
// nodes — and not loaded again.
//
// Why not `docker build`: a Dockerfile FROM scratch needs no pull either,
// but the build needs a context upload and, with BuildKit, a builder
// container; and the lab image must also be loadable into places without a
// Docker engine. labs/images/Dockerfile is the Dockerfile for those who want
// to build the same image themselves.
package images
