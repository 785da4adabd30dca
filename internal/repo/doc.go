// Package repo finds this repository on disk: the labs build its commands
// from source, prepare and doctor run the go command in it, and the control
// plane's build reads its inputs from it. One walk up from the working
// directory serves them all, and it finds the repository's own go.mod, not a
// nested module's (tools/controlplane/build/...). Outside the clone, $REPO
// (which the workshop's steps set) names it; without either, the error says
// so, instead of the go command's "go.mod file not found".
package repo
