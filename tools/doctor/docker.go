package doctor

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/bloglabs/posts/tools/images"
	"github.com/bloglabs/posts/tools/pgimage"
)

// The Docker checks ask the docker command, not an API client: the default
// lab (process runtime, embedded PostgreSQL) calls the doctor before it
// starts, and a Docker client library would make every lab build download
// and compile Docker's and testcontainers' modules for a check it does not
// need. The docker command also honours DOCKER_HOST and docker contexts as
// the labs' client does.

// docker runs the docker command with a timeout and returns its output.
func docker(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	s := strings.TrimSpace(string(out))
	if err != nil {
		if s == "" {
			s = err.Error()
		}
		return s, fmt.Errorf("docker %s: %s", args[0], firstLine(s))
	}
	return s, nil
}

// engineVersion is the answering engine's version, or why none answers.
func engineVersion(ctx context.Context) (string, error) {
	if _, err := exec.LookPath("docker"); err != nil {
		return "", fmt.Errorf("the docker command is not installed")
	}
	v, err := docker(ctx, "version", "--format", "{{.Server.Version}}")
	if err != nil {
		return "", fmt.Errorf("no Docker engine answers (%v)", err)
	}
	return v, nil
}

func checkDocker(ctx context.Context) outcome {
	v, err := engineVersion(ctx)
	if err != nil {
		return fail("%v", err)
	}
	return pass("engine %s answers (for --runtime docker)", v)
}

// Image is an image the labs want, by any of its names.
type Image struct {
	// What the image is, for the report ("a Postgres image").
	What string
	// Refs are the names that satisfy it; a name without a tag matches
	// any tag of that repository.
	Refs []string
}

// LabImages are the images --runtime docker and kind run: a Postgres image
// (the official one, or the offline one tools/pgimage builds) and the lab
// image.
func LabImages() []Image {
	return []Image{
		{What: "a Postgres image", Refs: []string{pgimage.OfficialImage, pgimage.DefaultTag}},
		{What: "the lab image", Refs: []string{images.LabRepository}},
	}
}

// judgeImages says which wanted images are among the present ones
// ("repository:tag" each).
func judgeImages(want []Image, present []string) outcome {
	var found, missing []string
	for _, im := range want {
		if ref, ok := firstPresent(im.Refs, present); ok {
			found = append(found, ref)
		} else {
			missing = append(missing, fmt.Sprintf("%s (%s)", im.What, strings.Join(im.Refs, " or ")))
		}
	}
	if len(missing) > 0 {
		return fail("missing %s", strings.Join(missing, " and "))
	}
	return pass("%s present", strings.Join(found, ", "))
}

func firstPresent(refs, present []string) (string, bool) {
	for _, ref := range refs {
		if strings.Contains(ref, ":") {
			if slices.Contains(present, ref) {
				return ref, true
			}
			continue
		}
		for _, p := range present {
			if strings.HasPrefix(p, ref+":") {
				return p, true
			}
		}
	}
	return "", false
}

func checkImages(ctx context.Context, want []Image) outcome {
	if _, err := engineVersion(ctx); err != nil {
		return fail("no images without an engine (see the Docker line)")
	}
	out, err := docker(ctx, "image", "ls", "--format", "{{.Repository}}:{{.Tag}}")
	if err != nil {
		return fail("%v", err)
	}
	return judgeImages(want, strings.Fields(out))
}
