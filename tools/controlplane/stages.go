package controlplane

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// kwok ships no stages in its binary: without them nodes never become Ready
// and pods stay Pending. These are kwok v0.8.0's own (kustomize/stage:
// node/fast, node/heartbeat-with-lease, pod/fast), copied unchanged.
//
//go:embed stages/*.yaml
var stageFiles embed.FS

// DefaultStages are the kwok Stages every control plane gets, by name:
// node-initialize (a new node becomes Ready at once),
// node-heartbeat-with-lease (its Ready condition is refreshed, its lease
// renewed), pod-ready (a scheduled pod becomes Running and Ready with an
// IP), pod-complete (a Running pod owned by a Job succeeds) and pod-delete
// (a deleted pod goes away).
func DefaultStages() map[string]string {
	out := map[string]string{}
	entries, _ := fs.ReadDir(stageFiles, "stages")
	for _, e := range entries {
		b, _ := fs.ReadFile(stageFiles, "stages/"+e.Name())
		out[strings.TrimSuffix(e.Name(), ".yaml")] = string(b)
	}
	return out
}

// stageConfig is the file given to kwok's --config: the default stages,
// with extra ones added or, when named like a default, replacing it.
func stageConfig(extra []string) ([]byte, error) {
	byName := DefaultStages()
	for i, y := range extra {
		docs, err := splitYAML(y)
		if err != nil {
			return nil, fmt.Errorf("controlplane: Options.Stages[%d]: %w", i, err)
		}
		for _, d := range docs {
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal(d, &head); err != nil {
				return nil, fmt.Errorf("controlplane: Options.Stages[%d]: %w", i, err)
			}
			if head.Kind != "Stage" || !strings.HasPrefix(head.APIVersion, "kwok.x-k8s.io/") || head.Metadata.Name == "" {
				return nil, fmt.Errorf("controlplane: Options.Stages[%d]: want a named kwok.x-k8s.io Stage, got kind %q apiVersion %q name %q",
					i, head.Kind, head.APIVersion, head.Metadata.Name)
			}
			byName[head.Metadata.Name] = string(d)
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	var b bytes.Buffer
	for _, n := range names {
		b.WriteString("---\n")
		b.WriteString(strings.TrimSpace(byName[n]))
		b.WriteString("\n")
	}
	return b.Bytes(), nil
}

func splitYAML(s string) ([][]byte, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(s)))
	var docs [][]byte
	for {
		d, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(stripComments(d))) > 0 {
			docs = append(docs, d)
		}
	}
}

func stripComments(d []byte) []byte {
	var out []byte
	for line := range bytes.Lines(d) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line...)
		}
	}
	return out
}
