package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/runonce"
)

func runStatus(ctx context.Context, streams cli.Streams, args []string) error {
	var c config
	fs := newFlags(&c, true)
	if err := parse(fs, args, streams); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("runonce status takes no arguments, got %q", fs.Args())
	}
	c.dsnFrom = sourceOf(fs, "dsn")
	cfg, err := c.connConfig()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	sts, err := runonce.ReadStatus(ctx, cfg, runonce.StatusOptions{Schema: c.schema, Name: c.name, Limit: c.statusLimit})
	if err != nil {
		return withHint(redact(err, cfg.Password), c)
	}
	if c.statusJSON {
		enc := json.NewEncoder(streams.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(sts)
	}
	printStatus(streams.Out, sts)
	return nil
}

func printStatus(w io.Writer, sts []runonce.Status) {
	if len(sts) == 0 {
		fmt.Fprintln(w, "no steps recorded yet")
		return
	}
	for i, st := range sts {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "step %q — lock key %d (pg_locks: locktype=advisory classid=%d objid=%d objsubid=1)\n", st.Name, st.Key, st.ClassID, st.ObjID)
		if st.Holder != nil {
			fmt.Fprintf(w, "  holder:  %s for %v\n", describeSession(*st.Holder), st.Holder.Since.Round(time.Second))
			if st.Holder.Stalled {
				fmt.Fprintf(w, "           silent for %v, past two heartbeats: frozen or cut off? the server ends its lock after one lease of silence\n", st.Holder.Silent.Round(time.Second))
			}
		} else {
			fmt.Fprintln(w, "  holder:  none (lock free)")
		}
		fmt.Fprintf(w, "  waiters: %d\n", len(st.Waiters))
		for _, s := range st.Waiters {
			fmt.Fprintf(w, "    %s for %v\n", describeSession(s), s.Since.Round(time.Second))
		}
		if len(st.Stalled) > 0 {
			fmt.Fprintf(w, "  stalled: %d (no lock, and silent for over %v: frozen, hung, or cut off; not waiting)\n", len(st.Stalled), runonce.StalledAfter)
			for _, s := range st.Stalled {
				fmt.Fprintf(w, "    %s silent for %v\n", describeSession(s), s.Silent.Round(time.Second))
			}
		}
		if len(st.Runs) == 0 {
			fmt.Fprintln(w, "  runs:    none")
			continue
		}
		fmt.Fprintln(w, "  runs (newest first):")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "    ID\tVERSION\tHOLDER\tSTATUS\tEXIT\tSTARTED\tTOOK\tERROR")
		for _, r := range st.Runs {
			exit, took := "-", "-"
			if r.ExitCode != nil {
				exit = fmt.Sprint(*r.ExitCode)
			}
			if r.FinishedAt != nil {
				took = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
			}
			version := r.Version
			if version == "" {
				version = "-"
			}
			fmt.Fprintf(tw, "    %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, version, r.Holder, r.Status, exit,
				r.StartedAt.UTC().Format(time.RFC3339), took, r.Error)
		}
		tw.Flush()
	}
}

// describeSession names a runonce process so that it can be found and
// stopped: its holder name, its process and host when the ledger recorded
// them, the client end of its connection, and the server backend's PID
// (which pg_terminate_backend takes; killing it on the client does nothing).
func describeSession(s runonce.Session) string {
	var b strings.Builder
	b.WriteString(s.Holder)
	if s.ProcessID != 0 {
		fmt.Fprintf(&b, " — process %d", s.ProcessID)
		if s.Host != "" {
			fmt.Fprintf(&b, " on host %s", s.Host)
		}
	}
	switch {
	case s.ClientPort == -1:
		b.WriteString(" (client: unix socket")
	case s.ClientAddr != "":
		fmt.Fprintf(&b, " (client %s", net.JoinHostPort(s.ClientAddr, strconv.Itoa(s.ClientPort)))
	default:
		b.WriteString(" (client: not shown to this role")
	}
	fmt.Fprintf(&b, "; server backend pid %d)", s.PID)
	return b.String()
}
