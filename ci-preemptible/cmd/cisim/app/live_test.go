package app_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bloglabs/posts/ci-preemptible/cmd/cisim/app"
	"github.com/bloglabs/posts/ci-preemptible/report"
	"github.com/bloglabs/posts/ci-preemptible/simlab"
	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/live/livetest"
)

var update = flag.Bool("update", false, "write the browser test's screenshot into docs/img")

// cisim --live shows the simulator's result in the browser: every cell
// of the table the text report prints, and the chart.
func TestBrowserSimulatorResult(t *testing.T) {
	ctx := livetest.Browser(t, 1280, 720)
	runCtx, stop := context.WithCancel(context.Background())
	defer stop()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- app.Run(runCtx, cli.Streams{Out: io.Discard, Err: pw}, []string{"--live", "127.0.0.1:0"})
		pw.Close()
	}()
	url := ""
	sc := bufio.NewScanner(pr)
	for url == "" && sc.Scan() {
		if m := regexp.MustCompile(`live view: (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" {
		stop()
		t.Fatalf("cisim --live said no address: %v", <-done)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.liveStats && window.liveStats.ended`, chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("the page never showed the result: %v", err)
	}
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](
		`[...document.querySelectorAll('table.results tr')].map((tr) => [...tr.children].map((c) => c.textContent))`))
	if err != nil {
		t.Fatal(err)
	}
	chart, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(document.querySelector('img.chart') || {}).naturalWidth || 0`))
	if err != nil {
		t.Fatal(err)
	}
	scroll, err := chromedp.Run(ctx, chromedp.Evaluate[[2]int](`[document.documentElement.scrollWidth, document.documentElement.clientWidth]`))
	if err != nil {
		t.Fatal(err)
	}
	if scroll[0] > scroll[1] {
		t.Errorf("the page scrolls sideways at 1280×720: %d px wide in a %d px window", scroll[0], scroll[1])
	}
	livetest.Screenshot(t, ctx, "live-preemptible.png", *update)
	stop()
	if err := <-done; err != nil {
		t.Errorf("cisim --live after Ctrl-C: %v", err)
	}

	scs, err := simlab.Load(simlab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	results, err := simlab.Results(context.Background(), scs)
	if err != nil {
		t.Fatal(err)
	}
	header, rows := report.Cells(results)
	if got, want := fmt.Sprint(cells), fmt.Sprint(append([][]string{header}, rows...)); got != want {
		t.Errorf("the page's table\n%s\nthe simulator's\n%s", got, want)
	}
	if chart == 0 {
		t.Error("the page shows no chart")
	}
}
