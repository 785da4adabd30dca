package deploy_test

import (
	"fmt"
	"io/fs"
	"log"

	"github.com/bloglabs/posts/ci-preemptible/deploy"
)

// The manifests are embedded, so a program (or a test) reads exactly the
// files a user applies.
func Example() {
	names, err := fs.Glob(deploy.FS, "*")
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range names {
		fmt.Println(n)
	}
	// Output:
	// config.toml
	// gitlab-ci-retry.yml
	// gitlab-runner-values.yaml
	// job-pod.yaml
	// kind-cluster.yaml
	// node-pool-preemptible.sh
	// node-pool-spot.sh
	// post-commands.sh
	// web-deployment.yaml
}
