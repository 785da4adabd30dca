package live_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/labs/cmd/lab/app"
	"github.com/bloglabs/posts/labs/live/livetest"
	"github.com/bloglabs/posts/labs/report"
)

var update = flag.Bool("update", false, "write the browser tests' screenshots into docs/img (the guides show them)")

// labRun is a lab run in process, through the lab command itself, with
// its live view.
type labRun struct {
	url  string
	json string
	done chan error
}

var urlRE = regexp.MustCompile(`live view: (http://\S+)`)

// startLab runs `lab LAB --live 127.0.0.1:0 --json FILE ARGS...` and waits
// for the live view's address.
func startLab(t testing.TB, lab string, args ...string) *labRun {
	t.Helper()
	r := &labRun{json: filepath.Join(t.TempDir(), lab+".json"), done: make(chan error, 1)}
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		args := append([]string{lab, "--live", "127.0.0.1:0", "--json", r.json, "--color", "never"}, args...)
		err := app.Run(ctx, cli.Streams{Out: io.Discard, Err: pw}, args)
		pw.Close()
		r.done <- err
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
			t.Log(sc.Text())
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case r.url = <-urls:
	case err := <-r.done:
		t.Fatalf("lab %s ended before its live view said its address: %v", lab, err)
	case <-time.After(2 * time.Minute):
		t.Fatalf("lab %s: no live view address after 2 minutes", lab)
	}
	return r
}

// wait waits for the lab to end; a lab that did not show what it exists to
// show still wrote its JSON.
func (r *labRun) wait(t testing.TB) {
	t.Helper()
	if err := <-r.done; err != nil && app.ExitCode(err) != app.ExitNotShown {
		t.Fatalf("lab: %v", err)
	}
}

// pageRun is what the page drew of one deployment.
type pageRun struct {
	Run   int        `json:"run"`
	Lanes []pageLane `json:"lanes"`
}

type pageLane struct {
	Name   string      `json:"name"`
	Events []pageEvent `json:"events"`
}

type pageEvent struct {
	Kind   string  `json:"kind"`
	T      float64 `json:"t"`
	Detail string  `json:"detail"`
}

// page is what the page shows: every lane's events in document order, the
// verdict, and how many events the stream got wrong (mended from the
// result).
type page struct {
	Runs        []pageRun `json:"runs"`
	Verdict     string    `json:"verdict"`
	Corrections int       `json:"corrections"`
	Ended       bool      `json:"ended"`
}

const readPage = `(() => ({
  runs: [...document.querySelectorAll('.panel')].map((p) => ({
    run: +p.dataset.run,
    lanes: [...p.querySelectorAll('.lane')].map((l) => ({
      name: l.querySelector('.name').textContent,
      events: [...l.querySelectorAll('.ev')].map((m) => ({kind: m.dataset.kind, t: +m.dataset.t, detail: m.dataset.detail})),
    })),
  })),
  verdict: (document.getElementById('verdict-text') || {}).textContent || '',
  corrections: window.liveStats.corrections,
  ended: window.liveStats.ended,
}))()`

// waitEnded waits until the page has the lab's end, and reads it.
func waitEnded(t testing.TB, ctx context.Context) page {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.liveStats && window.liveStats.ended`,
		chromedp.WithPollingTimeout(3*time.Minute), chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Fatalf("the page never showed the lab's end: %v", err)
	}
	p, err := chromedp.Run(ctx, chromedp.Evaluate[page](readPage))
	if err != nil {
		t.Fatalf("read the page: %v", err)
	}
	return p
}

// runsOf reads a lab's JSON: its deployments' results and its verdict.
func runsOf(t testing.TB, file string) ([]report.Result, string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var probe struct {
		Lab string `json:"lab"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		t.Fatal(err)
	}
	if probe.Lab == "compare" {
		var c report.Comparison
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		return c.Runs, c.Verdict
	}
	var r report.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return []report.Result{r}, r.Verdict
}

// checkPage checks that the page has a lane for every replica of every
// deployment, every event of the JSON in order and nothing else, and the
// JSON's verdict.
func checkPage(t testing.TB, p page, file string) {
	t.Helper()
	runs, verdict := runsOf(t, file)
	if len(p.Runs) != len(runs) {
		t.Fatalf("the page shows %d deployments, the JSON has %d", len(p.Runs), len(runs))
	}
	events := 0
	for n, res := range runs {
		got := p.Runs[n]
		if got.Run != n || len(got.Lanes) != len(res.ReplicaOutcomes) {
			t.Errorf("deployment %d: the page shows run %d with %d lanes, want %d", n, got.Run, len(got.Lanes), len(res.ReplicaOutcomes))
			continue
		}
		for i, rep := range res.ReplicaOutcomes {
			lane := got.Lanes[i]
			want := make([]pageEvent, len(rep.Events))
			for k, e := range rep.Events {
				want[k] = pageEvent{Kind: e.Kind, T: e.At, Detail: e.Detail}
			}
			if lane.Name != rep.Name || fmt.Sprint(lane.Events) != fmt.Sprint(want) {
				t.Errorf("deployment %d, lane %d: the page shows %s %v\nthe JSON has %s %v", n, i, lane.Name, lane.Events, rep.Name, want)
			}
			events += len(want)
		}
	}
	if p.Verdict != verdict {
		t.Errorf("the page's verdict %q, the JSON's %q", p.Verdict, verdict)
	}
	if events == 0 {
		t.Error("the JSON has no events at all: nothing was compared")
	}
	t.Logf("the page shows all %d events of %d deployments, in order, and the verdict", events, len(runs))
}

func screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	livetest.Screenshot(t, ctx, name, *update)
}

func browser(t testing.TB, w, h int) context.Context { return livetest.Browser(t, w, h) }

// liveLab runs lab with the page open from the start, and checks the page
// against the lab's JSON once it has ended.
func liveLab(t *testing.T, lab string, w, h int, args ...string) {
	ctx := browser(t, w, h)
	r := startLab(t, lab, args...)
	if err := chromedp.Do(ctx, chromedp.Navigate(r.url)); err != nil {
		t.Fatalf("open %s: %v", r.url, err)
	}
	p := waitEnded(t, ctx)
	r.wait(t)
	checkPage(t, p, r.json)
	if p.Corrections != 0 {
		t.Errorf("%d events differed between the live stream and the result: the stream must tell the timeline exactly", p.Corrections)
	}
	screenshot(t, ctx, "live-"+lab+".png")
}

func TestBrowserRace(t *testing.T) { liveLab(t, "race", 1280, 720) }

func TestBrowserFix(t *testing.T) { liveLab(t, "fix", 1280, 720) }

func TestBrowserCompare(t *testing.T) { liveLab(t, "compare", 1920, 1080) }

// A page reloaded mid-run (a browser that lost the lab and came back)
// catches up from the start and then follows live.
func TestBrowserReloadMidRunCatchesUp(t *testing.T) {
	ctx := browser(t, 1280, 720)
	r := startLab(t, "fix")
	if err := chromedp.Do(ctx, chromedp.Navigate(r.url)); err != nil {
		t.Fatal(err)
	}
	// Mid-run: one replica runs the step, the others wait for the lock.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector('.ev.ran') && document.querySelectorAll('.ev.waited').length >= 3`,
		chromedp.WithPollingTimeout(2*time.Minute))); err != nil {
		t.Fatalf("no events on the page: %v", err)
	}
	seen, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`window.liveStats.messages`))
	screenshot(t, ctx, "live-fix-midrun.png")
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	p := waitEnded(t, ctx)
	r.wait(t)
	checkPage(t, p, r.json)
	t.Logf("reloaded after %d messages", seen)
}

// A replay steps through a recorded run to the same page a live run draws.
func TestBrowserReplay(t *testing.T) {
	ctx := browser(t, 1280, 720)
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"race", "fix", "compare"} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(root, "docs", "runs", name+".json")
			url, stop := startView(t, file)
			defer stop()
			if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!window.liveReplay`)); err != nil {
				t.Fatalf("the replay did not load: %v", err)
			}
			// One event per step, to the end.
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { let n = 0; while (!window.liveReplay.done()) { window.liveReplay.step(); n++; } return n; })()`)); err != nil {
				t.Fatal(err)
			}
			checkPage(t, waitEnded(t, ctx), file)
			if name == "race" {
				screenshot(t, ctx, "live-replay.png")
			}
		})
	}
}

// startView runs `lab view FILE` until stop.
func startView(t testing.TB, file string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, cli.Streams{Out: io.Discard, Err: pw}, []string{"view", file})
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	re := regexp.MustCompile(`(http://\S+)`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, pr)
			return m[1], func() {
				cancel()
				if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("lab view: %v", err)
				}
			}
		}
	}
	cancel()
	t.Fatalf("lab view %s: %v", file, <-done)
	return "", nil
}

// The page reads on a projector: no horizontal scrolling with 20 replicas
// at 1280×720, and no text under 14 px.
func TestBrowserProjector(t *testing.T) {
	ctx := browser(t, 1280, 720)
	r := startLab(t, "race", "--replicas", "20")
	if err := chromedp.Do(ctx, chromedp.Navigate(r.url)); err != nil {
		t.Fatal(err)
	}
	waitEnded(t, ctx)
	r.wait(t)
	type layout struct {
		ScrollWidth, ClientWidth int
		Lanes                    int
		Smallest                 float64
		SmallestText             string
		LastLaneBottom, Height   float64
	}
	l, err := chromedp.Run(ctx, chromedp.Evaluate[layout](`(() => {
	  let smallest = 1e9, text = '';
	  for (const e of document.querySelectorAll('body *')) {
	    if (![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
	    const s = parseFloat(getComputedStyle(e).fontSize);
	    if (s < smallest) { smallest = s; text = e.textContent.slice(0, 40); }
	  }
	  return {ScrollWidth: document.documentElement.scrollWidth, ClientWidth: document.documentElement.clientWidth,
	    Lanes: document.querySelectorAll('.lane').length, Smallest: smallest, SmallestText: text,
	    LastLaneBottom: [...document.querySelectorAll('.lane')].pop().getBoundingClientRect().bottom, Height: innerHeight};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if l.Lanes != 20 {
		t.Errorf("%d lanes, want 20", l.Lanes)
	}
	if l.ScrollWidth > l.ClientWidth {
		t.Errorf("the page scrolls sideways at 1280×720: %d px wide in a %d px window", l.ScrollWidth, l.ClientWidth)
	}
	if l.LastLaneBottom > l.Height {
		t.Errorf("the 20th lane ends at %.0f px, below the %.0f px window: the lanes do not fit a 720-line projector", l.LastLaneBottom, l.Height)
	}
	if l.Smallest < 14 {
		t.Errorf("text of %.1f px (%q): want 14 px or more", l.Smallest, l.SmallestText)
	}
	screenshot(t, ctx, "live-race-20.png")
}
