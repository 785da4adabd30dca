package kubernetes_test

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/kubernetes"
)

// Where pods dial the lab's Postgres on a cluster of the user's: at the
// address given for pods, else at the lab's own, never at loopback.
func TestPodRoutes(t *testing.T) {
	t.Parallel()
	local := runtimes.Backend{Name: "postgres", Addr: "127.0.0.1:32768"}
	remote := runtimes.Backend{Name: "postgres", Addr: "10.1.2.3:5432"}
	for _, tc := range []struct {
		name     string
		backends []runtimes.Backend
		pod      string
		want     map[string]string
		err      string
	}{
		{name: "reachable as it is", backends: []runtimes.Backend{remote}},
		{name: "loopback without an address for pods", backends: []runtimes.Backend{local}, err: "127.0.0.1:32768 is a backend on this machine's loopback"},
		{name: "host and port", backends: []runtimes.Backend{local}, pod: "postgres.db.svc:5432", want: map[string]string{"127.0.0.1:32768": "postgres.db.svc:5432"}},
		{name: "a DSN's host and port", backends: []runtimes.Backend{local, remote}, pod: "postgres://u:p@pg.internal:6432/db",
			want: map[string]string{"127.0.0.1:32768": "pg.internal:6432", "10.1.2.3:5432": "pg.internal:6432"}},
		{name: "no port", backends: []runtimes.Backend{local}, pod: "postgres.db.svc", err: `"postgres.db.svc": want HOST:PORT`},
		{name: "a broken URL never echoed", backends: []runtimes.Backend{local}, pod: "postgres://u:secret@[::1/db", err: "not a URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := kubernetes.PodRoutes(tc.backends, tc.pod)
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("err %v, want one containing %q", err, tc.err)
			case tc.err == "" && err != nil:
				t.Fatal(err)
			case err != nil && strings.Contains(err.Error(), "secret"):
				t.Errorf("error %q shows the password", err)
			case !maps.Equal(got, tc.want):
				t.Errorf("routes %v, want %v", got, tc.want)
			}
			if tc.pod == "" && tc.err != "" && !errors.Is(err, kubernetes.ErrLoopbackBackend) {
				t.Errorf("err %v, want ErrLoopbackBackend", err)
			}
		})
	}
}
