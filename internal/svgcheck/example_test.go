package svgcheck_test

import (
	"fmt"

	"github.com/bloglabs/posts/internal/svgcheck"
)

func ExampleCheck() {
	_, err := svgcheck.Check([]byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">
<title>Lanes</title><desc>shows: alice; bob</desc><text>alice</text></svg>`))
	fmt.Println(err)
	// Output: the <desc> says it shows "bob", but no <text> holds it
}
