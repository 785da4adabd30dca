package live

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/bloglabs/posts/labs/engine"
)

//go:embed assets
var assets embed.FS

// writeTimeout bounds one write to a browser: a stuck one ties up only its
// own handler, and only this long.
const writeTimeout = 10 * time.Second

// EnvLive sets a lab command's --live default, so that a Mage target
// (which takes no flags) shows its lab live: LABS_LIVE=1 go tool mage
// lab:race.
const EnvLive = "LABS_LIVE"

// AnyPort is the address --live takes for "1" or "true": loopback, a free
// port.
const AnyPort = "127.0.0.1:0"

// Addr is a --live flag's value as given, or from $LABS_LIVE: "" for no
// live view, "1" and "true" for [AnyPort].
func Addr(flag string) string {
	v := flag
	if v == "" {
		v = os.Getenv(EnvLive)
	}
	switch v {
	case "", "0", "false":
		return ""
	case "1", "true":
		return AnyPort
	}
	return v
}

// Server serves the page and a run's messages on a local address.
type Server struct {
	hub    *Hub
	mode   string
	replay []byte // the recorded run's messages, in replay mode
	ln     net.Listener
	srv    *http.Server
	served chan error
	once   sync.Once
}

// Live starts a server for a lab about to run (race, fix or compare) on
// addr ("127.0.0.1:0": any free port): feed it with [Server.Observe], end
// it with [Server.End], stop it with [Server.Close].
func Live(addr, lab string) (*Server, error) {
	s, err := listen(addr, ModeLive)
	if err != nil {
		return nil, err
	}
	s.hub.Publish(Message{Type: TypeLab, Lab: lab, Mode: ModeLive})
	return s, nil
}

// NewReplay starts a server on addr that replays v, a lab's result (from
// [Load]).
func NewReplay(addr string, v any) (*Server, error) {
	b, err := json.Marshal(recorded(v))
	if err != nil {
		return nil, fmt.Errorf("live: replay: %w", err)
	}
	s, err := listen(addr, ModeReplay)
	if err != nil {
		return nil, err
	}
	s.replay = b
	s.hub.Close()
	return s, nil
}

func listen(addr, mode string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("live view: cannot listen on %s (is another lab or program using that port? 127.0.0.1:0 picks a free one): %w", addr, err)
	}
	s := &Server{hub: NewHub(0), mode: mode, ln: ln, served: make(chan error, 1)}
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.page)
	mux.HandleFunc("GET /events", s.events)
	mux.HandleFunc("GET /replay.json", s.replayJSON)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { s.served <- s.srv.Serve(ln) }()
	return s, nil
}

// URL is the page's address.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + "/" }

// Hub is the run's messages.
func (s *Server) Hub() *Hub { return s.hub }

// Observe publishes a lab's update; it is an [engine.Config.Observe], and
// returns at once whatever the browsers do.
func (s *Server) Observe(u engine.Update) { s.hub.Publish(fromUpdate(u)) }

// End publishes the lab's result (a *report.Result or *report.Comparison,
// nil when it did not run) and its error, and ends the run's stream.
func (s *Server) End(v any, err error) {
	m := Message{Type: TypeEnd, Result: v}
	if err != nil {
		m.Error = err.Error()
	}
	s.hub.Publish(m)
	s.hub.Close()
}

// Close stops the server, giving the browsers until ctx is done to receive
// what is queued for them.
func (s *Server) Close(ctx context.Context) error {
	var err error
	s.once.Do(func() {
		s.hub.Close()
		if err = s.srv.Shutdown(ctx); err != nil {
			s.srv.Close()
		}
		if serr := <-s.served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	})
	if err != nil {
		return fmt.Errorf("live view: %w", err)
	}
	return nil
}

// page is the one page, told its mode.
func (s *Server) page(w http.ResponseWriter, _ *http.Request) {
	b, err := assets.ReadFile("assets/index.html")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	b = bytes.Replace(b, []byte(`data-mode="live"`), []byte(`data-mode="`+s.mode+`"`), 1)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

func (s *Server) replayJSON(w http.ResponseWriter, _ *http.Request) {
	if s.replay == nil {
		http.Error(w, "not a replay: this server shows a live run at /events", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.replay)
}

// events streams the run's messages from the start, or after the last one
// the browser had (Last-Event-ID), then live until the run ends.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	from := 0
	if id, err := strconv.Atoi(r.Header.Get("Last-Event-ID")); err == nil {
		from = id + 1
	}
	backlog, c := s.hub.subscribe(from)
	if c != nil {
		defer s.hub.unsubscribe(c)
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	// A reconnecting browser waits this long (ms) after losing the stream.
	if !write(rc, w, []byte("retry: 500\n\n")) {
		return
	}
	for _, f := range backlog {
		if !write(rc, w, f) {
			return
		}
	}
	if c == nil || rc.Flush() != nil {
		return
	}
	for {
		select {
		case f, ok := <-c.frames:
			if !ok || !write(rc, w, f) {
				return
			}
			// Whatever else is queued goes in the same flush.
			for n := len(c.frames); n > 0; n-- {
				if f, ok = <-c.frames; !ok || !write(rc, w, f) {
					return
				}
			}
			if rc.Flush() != nil {
				return
			}
		case <-c.gone:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// write writes f within writeTimeout; false when the browser is gone.
func write(rc *http.ResponseController, w http.ResponseWriter, f []byte) bool {
	_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := w.Write(f)
	return err == nil
}
