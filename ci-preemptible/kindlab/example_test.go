package kindlab_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bloglabs/posts/ci-preemptible/kindlab"
)

// The job pod of ci-preemptible/deploy/job-pod.yaml with its toleration
// forgotten: the selector still sends it to the tainted node.
func ExampleJobPod() {
	p, err := kindlab.JobPod("job-no-toleration", kindlab.VariantForgotten)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Name, p.Spec.NodeSelector, len(p.Spec.Tolerations), "tolerations")
	// Output:
	// job-no-toleration map[cloud.google.com/gke-preemptible:true] 0 tolerations
}

// The lab live, as `cisim lab --runtime kind` runs it; where kind cannot
// run it returns kind's explanation having created nothing.
func ExampleRun() {
	err := kindlab.Run(context.Background(), os.Stdout, kindlab.Options{Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
