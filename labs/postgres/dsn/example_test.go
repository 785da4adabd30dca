package dsn_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bloglabs/posts/labs/postgres/dsn"
)

// Your own server: the labs create their databases on it and drop them at
// Stop.
func ExampleOpen() {
	ctx := context.Background()
	srv, err := dsn.Open(ctx, os.Getenv(dsn.Env))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Stop()
	fmt.Println(srv.Describe())
}
