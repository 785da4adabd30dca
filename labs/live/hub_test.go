package live

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/report"
)

// A browser that reads nothing never holds the lab up: publishing goes on
// past its queue, the hub drops it, and it catches up when it comes back
// (resuming after the last message it had).
func TestHubDropsAStuckClientAndItCatchesUp(t *testing.T) {
	t.Parallel()
	h := NewHub(8)
	_, stuck := h.subscribe(0)
	for i := range 1000 {
		h.Publish(Message{Type: TypeEvent, Index: i})
	}
	select {
	case <-stuck.gone:
	default:
		t.Fatal("a client 8 messages behind was not dropped")
	}
	got := 0
	for range len(stuck.frames) {
		<-stuck.frames
		got++
	}
	backlog, again := h.subscribe(got)
	if got != 8 || len(backlog) != 1000-got || again == nil {
		t.Fatalf("dropped after %d queued; on return %d more (want %d)", got, len(backlog), 1000-got)
	}
	if !strings.HasPrefix(string(backlog[0]), fmt.Sprintf("id: %d\n", got)) {
		t.Errorf("the catch-up starts with %q, want message %d", backlog[0][:10], got)
	}
	h.Publish(Message{Type: TypeEnd})
	h.Close()
	if f := <-again.frames; !strings.Contains(string(f), `"type":"end"`) {
		t.Errorf("after the catch-up the client got %q, want the end", f)
	}
	if _, ok := <-again.frames; ok {
		t.Error("the stream goes on after Close")
	}
}

// Over HTTP: a browser whose socket is never read does not slow the lab;
// one that connects late gets every message from the first.
func TestServerStuckBrowserDoesNotBlockPublish(t *testing.T) {
	t.Parallel()
	s, err := Live("127.0.0.1:0", "race")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	conn, err := net.Dial("tcp", s.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	detail := strings.Repeat("x", 1000)
	const n = 20000 // ~20 MB: far beyond any socket buffer
	for i := range n {
		s.Observe(engine.Update{Kind: engine.ReplicaEvent, Index: i, Event: &report.Event{Kind: "ran", Detail: detail}})
	}
	s.End(&report.Result{Lab: "race"}, nil)
	resp, err := http.Get(s.URL() + "events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	count, sc := 0, bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") {
			count++
		}
	}
	if want := n + 2; count != want {
		t.Errorf("a late browser got %d messages, want all %d", count, want)
	}
}

func TestListenOnAPortInUseSaysWhatToDo(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Live(ln.Addr().String(), "race")
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:0 picks a free one") {
		t.Errorf("listen on a port in use: %v; want an error that says how to pick a free port", err)
	}
}

func TestLoadRefusesWhatIsNotALabsJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"empty":      "",
		"not json":   "lab:race — 5 replicas\nverdict: race reproduced",
		"other json": `{"kind":"Pod","apiVersion":"v1"}`,
		"a list":     `[{"scenario":"post-tainted","cost":306.33}]`,
		"other lab":  `{"lab":"preemptible","variants":[]}`,
		"no lanes":   `{"lab":"race","verdict":"x"}`,
	} {
		file := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(file)
		if !errors.Is(err, ErrNotLabJSON) || !strings.Contains(err.Error(), file) {
			t.Errorf("%s: %v; want ErrNotLabJSON naming the file", name, err)
		}
	}
}

// A replay sends what a live run sends: each deployment's start, its
// release, every event in time order, its result, then the end.
func TestRecordedFollowsTheRun(t *testing.T) {
	t.Parallel()
	res := &report.Result{Lab: "fix", Seconds: 2, ReplicaOutcomes: []report.Replica{
		{Name: "demo-0", Events: []report.Event{{At: 0.1, Kind: "ran"}, {At: 1.6, Kind: "ready"}}},
		{Name: "demo-1", Events: []report.Event{{At: 0.1, Kind: "waited"}, {At: 1.5, Kind: "skipped"}}},
	}}
	var got []string
	for i, m := range recorded(res) {
		if m.Seq != i {
			t.Errorf("message %d has seq %d", i, m.Seq)
		}
		s := string(m.Type)
		if m.Event != nil {
			s = fmt.Sprintf("%d:%s@%.1f", m.Replica, m.Event.Kind, m.At)
		}
		got = append(got, s)
	}
	want := "lab deploying released 0:ran@0.1 1:waited@0.1 1:skipped@1.5 0:ready@1.6 deployed end"
	if strings.Join(got, " ") != want {
		t.Errorf("replay messages\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
}
