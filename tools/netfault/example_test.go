package netfault_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/bloglabs/posts/tools/netfault"
)

// Cut a client off from its server, see its request go unanswered, then
// heal the path and see the held-back answer arrive.
func Example() {
	// A server that echoes lines.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); c.Close() }()
		}
	}()

	p, err := netfault.Listen(ln.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	c, _ := net.Dial("tcp", p.Addr()) // the client dials the proxy
	defer c.Close()
	r := bufio.NewReader(c)

	p.Blackhole()
	fmt.Fprintln(c, "ping")
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	_, err = r.ReadString('\n')
	fmt.Println("while blackholed, timed out:", os.IsTimeout(err))

	p.Heal()
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	line, _ := r.ReadString('\n')
	fmt.Print("after heal: ", line)
	// Output:
	// while blackholed, timed out: true
	// after heal: ping
}
