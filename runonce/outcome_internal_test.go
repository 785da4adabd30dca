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

// The handover's bound comes from the earlier holder's running row, never
// from the new holder's options (issue 17 item 2): a holder with a 6 s
// lease whose step takes up to 3 s to stop is waited for 4.2 s, whatever
// the new holder's lease; a live one up to its lease.
func TestHandoverBoundFromTheRow(t *testing.T) {
	r := &runner{o: Options{Lease: 2 * time.Second}}
	ms := func(d time.Duration) *int64 { v := d.Milliseconds(); return &v }
	for _, tc := range []struct {
		name  string
		run   runningRun
		since time.Duration
		want  bool
	}{
		{"dead holder, its stop time not over", runningRun{LeaseMs: ms(6 * time.Second), StopMs: ms(3 * time.Second)}, 4100 * time.Millisecond, false},
		{"dead holder, its stop time over", runningRun{LeaseMs: ms(6 * time.Second), StopMs: ms(3 * time.Second)}, 4200 * time.Millisecond, true},
		{"live holder, within its lease", runningRun{LeaseMs: ms(6 * time.Second), StopMs: ms(3 * time.Second), BeatAgeMs: ms(time.Second)}, 5900 * time.Millisecond, false},
		{"live holder, its lease over", runningRun{LeaseMs: ms(6 * time.Second), StopMs: ms(3 * time.Second), BeatAgeMs: ms(time.Second)}, 6 * time.Second, true},
		{"stale beat is not alive", runningRun{LeaseMs: ms(6 * time.Second), StopMs: ms(3 * time.Second), BeatAgeMs: ms(2400 * time.Millisecond)}, 4200 * time.Millisecond, true},
		{"row of an earlier release: the default lease", runningRun{}, 8 * time.Second, false},
		{"row of an earlier release: the default lease over", runningRun{}, 10500 * time.Millisecond, true},
	} {
		if got := handoverDone(r.handoverOf(tc.run), tc.since); got != tc.want {
			t.Errorf("%s: handoverDone(%v) = %v, want %v", tc.name, tc.since, got, tc.want)
		}
	}
}

// StopBound(0) is the default lease's (issue 17 item 5).
func TestStopBoundOfZeroLease(t *testing.T) {
	if got, want := StopBound(0), 7500*time.Millisecond; got != want {
		t.Errorf("StopBound(0) = %v, want %v", got, want)
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
