//go:build !linux

package app

import "os/exec"

// start starts cmd and returns a channel that yields cmd.Wait's result.
func start(cmd *exec.Cmd) (<-chan error, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return done, nil
}
