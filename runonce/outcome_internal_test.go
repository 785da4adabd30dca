package runonce

import (
	"context"
	"errors"
	"testing"
	"time"
)

type exitErr int

func (e exitErr) Error() string { return "exit" }
func (e exitErr) ExitCode() int { return int(e) }

// classifyOutcome is the decision at the end of a run (issue 10 item 3): a
// step runonce told to stop is never recorded as succeeded.
func TestClassifyOutcome(t *testing.T) {
	interrupted := &wrapErr{code: 143, err: ErrInterrupted}
	for _, tc := range []struct {
		name  string
		end   stepEnd
		state RunState
		err   error // errors.Is target; nil: no error
		exit  int   // -1: none
	}{
		{"succeeded", stepEnd{}, RunStateSucceeded, nil, 0},
		{"failed with a status", stepEnd{err: exitErr(3)}, RunStateFailed, exitErr(3), 3},
		{"failed, no status", stepEnd{err: errors.New("boom")}, RunStateFailed, nil, -1},
		{"lock lost, step returned nil", stepEnd{cause: ErrLockLost}, RunStateInterrupted, ErrLockLost, -1},
		{"lock lost, step exited 143", stepEnd{err: exitErr(143), cause: ErrLockLost}, RunStateInterrupted, ErrLockLost, 143},
		{"timed out, step returned nil", stepEnd{cause: ErrRunTimeout}, RunStateFailed, ErrRunTimeout, -1},
		{"timed out, step exited 0 after SIGTERM", stepEnd{cause: ErrRunTimeout, err: nil}, RunStateFailed, ErrRunTimeout, -1},
		{"timed out, step failed", stepEnd{cause: ErrRunTimeout, err: exitErr(1)}, RunStateFailed, ErrRunTimeout, 1},
		{"signal forwarded, step exited", stepEnd{err: interrupted}, RunStateInterrupted, ErrInterrupted, 143},
		{"caller cancelled, step returned nil", stepEnd{cause: context.Canceled, callerDone: true}, RunStateInterrupted, ErrInterrupted, -1},
		{"caller cancelled, step failed", stepEnd{err: exitErr(2), cause: context.Canceled, callerDone: true}, RunStateInterrupted, ErrInterrupted, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := classifyOutcome(tc.end, time.Second)
			if got.state != tc.state {
				t.Errorf("state = %s, want %s", got.state, tc.state)
			}
			if tc.state == RunStateSucceeded && got.err != nil {
				t.Errorf("err = %v, want nil", got.err)
			}
			if tc.err != nil && !errors.Is(got.err, tc.err) {
				t.Errorf("err = %v, want it to wrap %v", got.err, tc.err)
			}
			if tc.state != RunStateSucceeded && got.err == nil {
				t.Errorf("err = nil for %s", tc.state)
			}
			switch {
			case tc.exit < 0 && got.exitCode != nil:
				t.Errorf("exit code = %d, want none", *got.exitCode)
			case tc.exit >= 0 && (got.exitCode == nil || *got.exitCode != tc.exit):
				t.Errorf("exit code = %v, want %d", got.exitCode, tc.exit)
			}
		})
	}
}

type wrapErr struct {
	code int
	err  error
}

func (e *wrapErr) Error() string { return "stopped" }
func (e *wrapErr) ExitCode() int { return e.code }
func (e *wrapErr) Unwrap() error { return e.err }

// handoverDone decides when a new holder may start beside an open run.
func TestHandoverDone(t *testing.T) {
	o := Options{Lease: 10 * time.Second} // handover bound 7 s
	for _, tc := range []struct {
		open, alive bool
		since       time.Duration
		want        bool
	}{
		{false, false, 0, true},
		{true, false, 0, false},
		{true, false, 6900 * time.Millisecond, false},
		{true, false, 7 * time.Second, true},
		{true, true, 7 * time.Second, false},
		{true, true, 10 * time.Second, true},
	} {
		if got := handoverDone(tc.open, tc.alive, tc.since, o); got != tc.want {
			t.Errorf("handoverDone(open=%v, alive=%v, %v) = %v, want %v", tc.open, tc.alive, tc.since, got, tc.want)
		}
	}
}

// applicationName is what PostgreSQL stores verbatim: ASCII, at most 63
// bytes, the key's prefix whole (issue 10 item 7).
func TestApplicationName(t *testing.T) {
	key := LockKey("", "schema")
	for _, holder := range []string{"pod-7", "pöd-ä", "100%", string(make([]byte, 200))} {
		got := applicationName(key, holder)
		if len(got) > 63 {
			t.Errorf("%q: %d bytes, want at most 63", got, len(got))
		}
		for _, c := range []byte(got) {
			if c < 0x20 || c > 0x7e {
				t.Errorf("%q holds a byte PostgreSQL would escape: %#x", got, c)
			}
		}
		if want := "runonce/" + fmtKey(key) + "/"; len(got) < len(want) || got[:len(want)] != want {
			t.Errorf("%q does not start with %q", got, want)
		}
	}
	if a, b := applicationName(key, "pöd"), applicationName(key, "päd"); a == b {
		t.Errorf("two holders share %q", a)
	}
}

func fmtKey(key int64) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 16)
	u := uint64(key)
	for i := 15; i >= 0; i-- {
		b[i] = hex[u&0xf]
		u >>= 4
	}
	return string(b)
}
