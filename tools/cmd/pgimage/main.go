// Command pgimage builds the offline PostgreSQL image (see package
// tools/pgimage): no registry, only the machine's Debian mirror and Docker.
//
//	go run ./tools/cmd/pgimage [-tag bloglabs/postgres-offline:15] [-rebuild] [-mirror URL]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/bloglabs/posts/tools/pgimage"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var o pgimage.Options
	flag.StringVar(&o.Tag, "tag", pgimage.DefaultTag, "image tag")
	flag.StringVar(&o.Mirror, "mirror", "", "Debian mirror (default: the one apt uses here)")
	flag.BoolVar(&o.Rebuild, "rebuild", false, "build even if the image exists")
	verbose := flag.Bool("v", false, "show debootstrap's and docker's output")
	flag.Parse()
	if *verbose {
		o.Output = os.Stderr
	}
	tag, err := pgimage.Build(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgimage:", err)
		os.Exit(1)
	}
	fmt.Println(tag)
}
