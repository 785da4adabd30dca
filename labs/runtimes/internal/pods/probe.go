package pods

import (
	"context"
	"io"
	"net/http"
	"time"
)

// ProbeHTTP polls url every period until it answers 2xx (then it reports
// true), exited is closed, or ctx is done. A success that races with the
// exit counts as an exit.
func ProbeHTTP(ctx context.Context, url string, period time.Duration, exited <-chan struct{}) bool {
	client := &http.Client{Timeout: time.Second}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-exited:
			return false
		case <-t.C:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			select {
			case <-exited:
				return false
			default:
				return true
			}
		}
	}
}
