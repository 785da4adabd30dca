package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/labs/firstlab"
)

const usage = `usage: firstlab [--before REV] [--after REV] [--repo DIR] [--proxy DIR] [--target T] [--json FILE]

Clones the repository at each revision into a fresh folder and runs its
first go tool mage TARGET (lab:race) there, from empty module and build
caches, with modules from a local copy (GOPROXY=file://PROXY), so the
network is not in the figure: module zips and MiB fetched, packages
compiled, seconds to the verdict. With --before, both revisions, then the
ratio after/before.`

// ExitCode is 0, 64 for a usage error, 1 otherwise.
func ExitCode(err error) int { return cli.ExitCode(err, 1) }

// Run is the firstlab command.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	fs := cli.NewFlagSet("firstlab", usage)
	before := fs.String("before", "", "the revision to compare with (e.g. the commit before the change); unset: measure --after only")
	after := fs.String("after", "HEAD", "the revision to measure")
	repoDir := fs.String("repo", "", "the repository to clone (default: the one around the working directory)")
	proxy := fs.String("proxy", "", "a filled module cache's cache/download folder (default: this machine's, go env GOMODCACHE)")
	target := fs.String("target", "lab:race", "the mage target")
	jsonFile := fs.String("json", "", "also write the results as JSON to this file")
	if err := cli.Parse(fs, args, streams); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected arguments %q", fs.Args())
	}
	o, err := options(*repoDir, *proxy, *target)
	if err != nil {
		return err
	}
	o.Progress = streams.Err
	var labels []string
	var results []firstlab.Result
	for _, rv := range [][2]string{{"before", *before}, {"after", *after}} {
		if rv[1] == "" {
			continue
		}
		o.Rev = rv[1]
		res, err := firstlab.Measure(ctx, o)
		if err != nil {
			return err
		}
		labels, results = append(labels, rv[0]), append(results, res)
	}
	if err := firstlab.WriteTable(streams.Out, labels, results); err != nil {
		return err
	}
	if *jsonFile == "" {
		return nil
	}
	b, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(*jsonFile, append(b, '\n'), 0o644)
}

// options fills in the repository and the proxy when unset.
func options(repoDir, proxy, target string) (firstlab.Options, error) {
	if repoDir == "" {
		root, err := repo.Root()
		if err != nil {
			return firstlab.Options{}, err
		}
		repoDir = root
	}
	if proxy == "" {
		out, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err != nil {
			return firstlab.Options{}, fmt.Errorf("go env GOMODCACHE: %w", err)
		}
		proxy = filepath.Join(strings.TrimSpace(string(out)), "cache", "download")
	}
	return firstlab.Options{Repo: repoDir, Proxy: proxy, Target: target}, nil
}
