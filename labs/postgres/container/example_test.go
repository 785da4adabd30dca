package container_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bloglabs/posts/labs/postgres/container"
)

// A server in a container: postgres:17 when Docker has it or can pull it,
// else the offline image (go tool mage images:postgres).
func ExampleStart() {
	ctx := context.Background()
	srv, err := container.Start(ctx, container.Options{Progress: os.Stderr})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Stop()
	dsn, err := srv.CreateDatabase(ctx, "lab_example")
	fmt.Println(srv.Describe(), dsn != "", err)
}
