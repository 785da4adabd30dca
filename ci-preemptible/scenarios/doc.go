// Package scenarios holds the simulator's scenario files, embedded so that
// `cisim` and `go tool mage lab:preemptible` need no path. The post-*.yaml
// files are the blog post's setup in four variants; they read the runner
// config and the web Deployment from ../deploy.
package scenarios
