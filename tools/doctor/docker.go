package doctor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/labs/postgres/container"
	"github.com/bloglabs/posts/tools/pgimage"
)

// dockerClient connects to the engine the labs use (testcontainers' choice:
// DOCKER_HOST, the docker context, the default socket).
func dockerClient(ctx context.Context) (*client.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.Ping(ctx, client.PingOptions{}); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c.Client, nil
}

func checkDocker(ctx context.Context) outcome {
	c, err := dockerClient(ctx)
	if err != nil {
		return fail("no Docker engine answers (%s)", firstLine(strings.Join(strings.Fields(err.Error()), " ")))
	}
	defer c.Close()
	v, err := c.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return fail("the engine answers but not its version: %v", err)
	}
	return pass("engine %s answers (for --runtime docker)", v.Version)
}

// judgeImages says which lab images are present.
func judgeImages(postgres []string, labTags []string) outcome {
	var missing []string
	if len(postgres) == 0 {
		missing = append(missing, fmt.Sprintf("a Postgres image (%s or %s)", container.DefaultImage, pgimage.DefaultTag))
	}
	if len(labTags) == 0 {
		missing = append(missing, "the lab image ("+appimage.Repository+")")
	}
	if len(missing) > 0 {
		return fail("missing %s", strings.Join(missing, " and "))
	}
	return pass("%s and %s present", strings.Join(postgres, ", "), labTags[0])
}

func checkImages(ctx context.Context) outcome {
	c, err := dockerClient(ctx)
	if err != nil {
		return fail("no Docker engine answers, so no images")
	}
	defer c.Close()
	var postgres []string
	for _, ref := range []string{container.DefaultImage, pgimage.DefaultTag} {
		if _, err := c.ImageInspect(ctx, ref); err == nil {
			postgres = append(postgres, ref)
		}
	}
	var labTags []string
	list, err := c.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("reference", appimage.Repository)})
	if err == nil {
		for _, im := range list.Items {
			labTags = append(labTags, im.RepoTags...)
		}
	}
	return judgeImages(postgres, labTags)
}
