// Package cptest gives a test package one throwaway Kubernetes control plane
// (tools/controlplane), started when a test first asks for it, and each test
// a namespace of its own on it, so tests can run in parallel without seeing
// each other's objects.
//
// A package's TestMain calls [Main]; tests call [Shared] or [Namespace], or
// [New] for a control plane of their own (custom kwok stages, or a test of
// Close). When the binaries are not built, those calls skip the test and
// say how to build them; under CI=true they fail it instead, so that CI
// cannot pass by skipping.
package cptest
