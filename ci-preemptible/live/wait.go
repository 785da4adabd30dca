package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// poll calls f every period until it reports done, ctx ends or timeout
// passes.
func poll(ctx context.Context, timeout, every time.Duration, what string, f func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		done, err := f(ctx)
		if done && err == nil {
			return nil
		}
		if ctx.Err() != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) && err == nil {
				return fmt.Errorf("live lab: %s: not within %s", what, timeout)
			}
			return fmt.Errorf("live lab: %s: %w", what, errors.Join(err, ctx.Err()))
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

// schedulerReason is kube-scheduler's own message for a pod it could not
// place (its PodScheduled condition), without the sentence about
// preempting lower-priority pods; "" until the scheduler has tried.
func schedulerReason(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			msg := c.Message
			if i := strings.Index(msg, " preemption:"); i >= 0 {
				msg = msg[:i]
			}
			return strings.Join(slices.DeleteFunc([]string{c.Reason, strings.TrimSpace(msg)}, func(s string) bool { return s == "" }), ": ")
		}
	}
	return ""
}
