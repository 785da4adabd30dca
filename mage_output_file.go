//go:build ignore
// +build ignore

package main

import (
	_context "context"
	_flag "flag"
	_fmt "fmt"
	_io "io"
	_log "log"
	_os "os"
	_signal "os/signal"
	_filepath "path/filepath"
	_sort "sort"
	_strconv "strconv"
	_strings "strings"
	_syscall "syscall"
	_tabwriter "text/tabwriter"
	_time "time"
	
)

func main() {
	// Use local types and functions in order to avoid name conflicts with additional magefiles.
	type arguments struct {
		Verbose       bool          // print out log statements
		List          bool          // print out a list of targets
		Help          bool          // print out help for a specific target
		Timeout       _time.Duration // set a timeout to running the targets
		Args          []string      // args contain the non-flag command-line arguments
	}

	parseBool := func(env string) bool {
		val := _os.Getenv(env)
		if val == "" {
			return false
		}		
		b, err := _strconv.ParseBool(val)
		if err != nil {
			_log.Printf("warning: environment variable %s is not a valid bool value: %v", env, val)
			return false
		}
		return b
	}

	parseDuration := func(env string) _time.Duration {
		val := _os.Getenv(env)
		if val == "" {
			return 0
		}		
		d, err := _time.ParseDuration(val)
		if err != nil {
			_log.Printf("warning: environment variable %s is not a valid duration value: %v", env, val)
			return 0
		}
		return d
	}
	args := arguments{}
	fs := _flag.FlagSet{}
	fs.SetOutput(_os.Stdout)

	// default flag set with ExitOnError and auto generated PrintDefaults should be sufficient
	fs.BoolVar(&args.Verbose, "v", parseBool("MAGEFILE_VERBOSE"), "show verbose output when running targets")
	fs.BoolVar(&args.List, "l", parseBool("MAGEFILE_LIST"), "list targets for this binary")
	fs.BoolVar(&args.Help, "h", parseBool("MAGEFILE_HELP"), "print out help for a specific target")
	fs.DurationVar(&args.Timeout, "t", parseDuration("MAGEFILE_TIMEOUT"), "timeout in duration parsable format (e.g. 5m30s)")
	fs.Usage = func() {
		_fmt.Fprintf(_os.Stdout, `
%s [options] [target]

Commands:
  -l    list targets in this binary
  -h    show this help

Options:
  -h    show description of a target
  -t <string>
        timeout in duration parsable format (e.g. 5m30s)
  -v    show verbose output when running targets
 `[1:], _filepath.Base(_os.Args[0]))
	}
	if err := fs.Parse(_os.Args[1:]); err != nil {
		// flag will have printed out an error already.
		return
	}
	args.Args = fs.Args()
	if args.Help && len(args.Args) == 0 {
		fs.Usage()
		return
	}
		
	var printName = func(str string) string {
	// color is ANSI color type
	type color int

	// If you add/change/remove any items in this constant,
	// you will need to run "stringer -type=color" in this directory again.
	// NOTE: Please keep the list in an alphabetical order.
	const (
		black color = iota
		red
		green
		yellow
		blue
		magenta
		cyan
		white
		brightblack
		brightred
		brightgreen
		brightyellow
		brightblue
		brightmagenta
		brightcyan
		brightwhite
	)

	// AnsiColor are ANSI color codes for supported terminal colors.
	var ansiColor = map[color]string{
		black:         "\u001b[30m",
		red:           "\u001b[31m",
		green:         "\u001b[32m",
		yellow:        "\u001b[33m",
		blue:          "\u001b[34m",
		magenta:       "\u001b[35m",
		cyan:          "\u001b[36m",
		white:         "\u001b[37m",
		brightblack:   "\u001b[30;1m",
		brightred:     "\u001b[31;1m",
		brightgreen:   "\u001b[32;1m",
		brightyellow:  "\u001b[33;1m",
		brightblue:    "\u001b[34;1m",
		brightmagenta: "\u001b[35;1m",
		brightcyan:    "\u001b[36;1m",
		brightwhite:   "\u001b[37;1m",
	}

	const colorName = "blackredgreenyellowbluemagentacyanwhitebrightblackbrightredbrightgreenbrightyellowbrightbluebrightmagentabrightcyanbrightwhite"

	var colorIndex = [...]uint8{0, 5, 8, 13, 19, 23, 30, 34, 39, 50, 59, 70, 82, 92, 105, 115, 126}

	colorToLowerString := func(i color) string {
		if i < 0 || i >= color(len(colorIndex)-1) {
			return "color(" + _strconv.FormatInt(int64(i), 10) + ")"
		}
		return colorName[colorIndex[i]:colorIndex[i+1]]
	}

	// ansiColorReset is an ANSI color code to reset the terminal color.
	const ansiColorReset = "\033[0m"

	// defaultTargetAnsiColor is a default ANSI color for colorizing targets.
	// It is set to Cyan as an arbitrary color, because it has a neutral meaning
	var defaultTargetAnsiColor = ansiColor[cyan]

	getAnsiColor := func(color string) (string, bool) {
		colorLower := _strings.ToLower(color)
		for k, v := range ansiColor {
			colorConstLower := colorToLowerString(k)
			if colorConstLower == colorLower {
				return v, true
			}
		}
		return "", false
	}

	// Terminals which  don't support color:
	//
	//	TERM=vt100
	//	TERM=cygwin
	//	TERM=xterm-mono
	var noColorTerms = map[string]bool{
		"vt100":      false,
		"cygwin":     false,
		"xterm-mono": false,
	}

	// terminalSupportsColor checks if the current console supports color output
	//
	// Supported:
	//
	//	linux, mac, or windows's ConEmu, Cmder, putty, git-bash.exe, pwsh.exe
	//
	// Not supported:
	//
	//	windows cmd.exe, powerShell.exe
	terminalSupportsColor := func() bool {
		envTerm := _os.Getenv("TERM")
		if _, ok := noColorTerms[envTerm]; ok {
			return false
		}
		return true
	}

	// enableColor reports whether the user has requested to enable a color output.
	enableColor := func() bool {
		b, _ := _strconv.ParseBool(_os.Getenv("MAGEFILE_ENABLE_COLOR"))
		return b
	}

	// targetColor returns the ANSI color which should be used to colorize targets.
	targetColor := func() string {
		s, exists := _os.LookupEnv("MAGEFILE_TARGET_COLOR")
		if exists {
			if c, ok := getAnsiColor(s); ok {
				return c
			}
		}
		return defaultTargetAnsiColor
	}

	// store the color terminal variables, so that the detection isn't repeated for each target
	var enableColorValue = enableColor() && terminalSupportsColor()
	var targetColorValue = targetColor()

	if enableColorValue {
		return _fmt.Sprintf("%s%s%s", targetColorValue, str, ansiColorReset)
	}

	return str
}


	list := func() error {
		_fmt.Println(`Targets for the blog labs: run them with 'go tool mage <target>', list them with 'go tool mage -l'. Each target is one call into an ordinary, tested package or one go command; no logic lives here.
`)
		targets := map[string]string{
			"bench:runonce": "measures N replicas on a 1 s step (runonce vs goose's session locker, in-process and as processes) and the skip path.",
			"bench:sim": "measures the CI simulator: jobs simulated per second at 10^4, 10^5 and 10^6 jobs.",
			"bench:soak": "runs 150 randomized fault trials against runonce (5-20 replicas each) and prints the per-fault table; about 8 minutes.",
			"cluster:down": "deletes the labs' kind cluster.",
			"cluster:up": "creates the labs' kind cluster (after checking this host can run kind) or reuses it.",
			"images:lab": "builds the lab image (demoapp and runonce, static, FROM scratch) and loads it into Docker.",
			"images:postgres": "builds the offline PostgreSQL image (Debian packages via debootstrap, the official image's entrypoint contract) unless it exists.",
			"lab:compare": "runs no lock, the post's LOCK TABLE, goose's session locker and runonce side by side, with and without CREATE INDEX CONCURRENTLY.",
			"lab:fix": "runs the same app with runonce as its initContainer: one replica migrates, the others wait and skip.",
			"lab:preemptible": "simulates the CI post's setup in four variants (all on-demand; taint + selector + toleration; taint missing; toleration forgotten): a table, and a chart in out/preemptible.svg.",
			"lab:preemptibleKind": "runs the preemptible lab live on a kind cluster (tainted worker, jobs with and without toleration, a preemption by stopping the node); checks first that this host can run kind.",
			"lab:race": "starts 5 replicas of the demo app that all install their schema on boot, with no lock, and shows the damage in the database.",
			"lint": "runs go vet and staticcheck (pinned as a tool in go.mod) over every package; CI runs it before the tests.",
			"postgres:temp": "starts a throwaway PostgreSQL, prints its DSN, and removes it on Ctrl-C.",
			"test:all": "runs every test, with the race detector: the README's test command.",
			"test:faults": "runs runonce's full fault matrix, including 300 replicas against max_connections=50 (the quick set runs in test:all).",
			"test:short": "runs the tests that take seconds, skipping the slow ones (-short).",
		}

		keys := make([]string, 0, len(targets))
		for name := range targets {
			keys = append(keys, name)
		}
		_sort.Strings(keys)

		_fmt.Println("Targets:")
		w := _tabwriter.NewWriter(_os.Stdout, 0, 4, 4, ' ', 0)
		for _, name := range keys {
			_fmt.Fprintf(w, "  %v\t%v\n", printName(name), targets[name])
		}
		err := w.Flush()
		return err
	}

	var ctx _context.Context
	ctxCancel := func(){}

	// by deferring in a closure, we let the cancel function get replaced
	// by the getContext function.
	defer func() {
		ctxCancel()
	}()

	getContext := func() (_context.Context, func()) {
		if ctx == nil {
			if args.Timeout != 0 {
				ctx, ctxCancel = _context.WithTimeout(_context.Background(), args.Timeout)
			} else {
				ctx, ctxCancel = _context.WithCancel(_context.Background())
			}
		}

		return ctx, ctxCancel
	}

	runTarget := func(logger *_log.Logger, fn func(_context.Context) error) interface{} {
		var err interface{}
		ctx, cancel := getContext()
		d := make(chan interface{})
		go func() {
			defer func() {
				err := recover()
				d <- err
			}()
			err := fn(ctx)
			d <- err
		}()
		sigCh := make(chan _os.Signal, 1)
		_signal.Notify(sigCh, _syscall.SIGINT)
		select {
		case <-sigCh:
			logger.Println("cancelling mage targets, waiting up to 5 seconds for cleanup...")
			cancel()
			cleanupCh := _time.After(5 * _time.Second)

			select {
			// target exited by itself
			case err = <-d:
				return err
			// cleanup timeout exceeded
			case <-cleanupCh:
				return _fmt.Errorf("cleanup timeout exceeded")
			// second SIGINT received
			case <-sigCh:
				logger.Println("exiting mage")
				return _fmt.Errorf("exit forced")
			}
		case <-ctx.Done():
			cancel()
			e := ctx.Err()
			_fmt.Printf("ctx err: %v\n", e)
			return e
		case err = <-d:
			// we intentionally don't cancel the context here, because
			// the next target will need to run with the same _context.
			return err
		}
	}
	// This is necessary in case there aren't any targets, to avoid an unused
	// variable error.
	_ = runTarget

	handleError := func(logger *_log.Logger, err interface{}) {
		if err != nil {
			logger.Printf("Error: %+v\n", err)
			type code interface {
				ExitStatus() int
			}
			if c, ok := err.(code); ok {
				_os.Exit(c.ExitStatus())
			}
			_os.Exit(1)
		}
	}
	_ = handleError

	// Set MAGEFILE_VERBOSE so mg.Verbose() reflects the flag value.
	if args.Verbose {
		_os.Setenv("MAGEFILE_VERBOSE", "1")
	} else {
		_os.Setenv("MAGEFILE_VERBOSE", "0")
	}

	_log.SetFlags(0)
	if !args.Verbose {
		_log.SetOutput(_io.Discard)
	}
	logger := _log.New(_os.Stderr, "", 0)
	if args.List {
		if err := list(); err != nil {
			_log.Println(err)
			_os.Exit(1)
		}
		return
	}

	if args.Help {
		if len(args.Args) < 1 {
			logger.Println("no target specified")
			_os.Exit(2)
		}
		switch _strings.ToLower(args.Args[0]) {
			case "bench:runonce":
				_fmt.Println("Runonce measures N replicas on a 1 s step (runonce vs goose's session locker, in-process and as processes) and the skip path.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage bench:runonce\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "bench:sim":
				_fmt.Println("Sim measures the CI simulator: jobs simulated per second at 10^4, 10^5 and 10^6 jobs.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage bench:sim\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "bench:soak":
				_fmt.Println("Soak runs 150 randomized fault trials against runonce (5-20 replicas each) and prints the per-fault table; about 8 minutes.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage bench:soak\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "cluster:down":
				_fmt.Println("Down deletes the labs' kind cluster.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage cluster:down\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "cluster:up":
				_fmt.Println("Up creates the labs' kind cluster (after checking this host can run kind) or reuses it.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage cluster:up\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "images:lab":
				_fmt.Println("Lab builds the lab image (demoapp and runonce, static, FROM scratch) and loads it into Docker.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage images:lab\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "images:postgres":
				_fmt.Println("Postgres builds the offline PostgreSQL image (Debian packages via debootstrap, the official image's entrypoint contract) unless it exists.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage images:postgres\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "lab:compare":
				_fmt.Println("Compare runs no lock, the post's LOCK TABLE, goose's session locker and runonce side by side, with and without CREATE INDEX CONCURRENTLY.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage lab:compare\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "lab:fix":
				_fmt.Println("Fix runs the same app with runonce as its initContainer: one replica migrates, the others wait and skip.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage lab:fix\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "lab:preemptible":
				_fmt.Println("Preemptible simulates the CI post's setup in four variants (all on-demand; taint + selector + toleration; taint missing; toleration forgotten): a table, and a chart in out/preemptible.svg.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage lab:preemptible\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "lab:preemptiblekind":
				_fmt.Println("PreemptibleKind runs the preemptible lab live on a kind cluster (tainted worker, jobs with and without toleration, a preemption by stopping the node); checks first that this host can run kind.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage lab:preemptiblekind\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "lab:race":
				_fmt.Println("Race starts 5 replicas of the demo app that all install their schema on boot, with no lock, and shows the damage in the database.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage lab:race\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "lint":
				_fmt.Println("Lint runs go vet and staticcheck (pinned as a tool in go.mod) over every package; CI runs it before the tests.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage lint\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "postgres:temp":
				_fmt.Println("Temp starts a throwaway PostgreSQL, prints its DSN, and removes it on Ctrl-C.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage postgres:temp\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "test:all":
				_fmt.Println("All runs every test, with the race detector: the README's test command.")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage test:all\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "test:faults":
				_fmt.Println("Faults runs runonce's full fault matrix, including 300 replicas against max_connections=50 (the quick set runs in test:all).")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage test:faults\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			case "test:short":
				_fmt.Println("Short runs the tests that take seconds, skipping the slow ones (-short).")
				_fmt.Println()
				
				_fmt.Print("Usage:\n\n\tmage test:short\n\n")
				var aliases []string
				if len(aliases) > 0 {
					_sort.Strings(aliases)
					_fmt.Printf("Aliases: %s\n\n", _strings.Join(aliases, ", "))
				}
				return
			default:
				logger.Printf("Unknown target: %q\n", args.Args[0])
				_os.Exit(2)
		}
	}
	if len(args.Args) < 1 {
		if err := list(); err != nil {
			logger.Println("Error:", err)
			_os.Exit(1)
		}
		return
	}
	for x := 0; x < len(args.Args); {
		target := args.Args[x]
		x++

		// resolve aliases
		switch _strings.ToLower(target) {
		
		}

		switch _strings.ToLower(target) {
		
			case "bench:runonce":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Bench:Runonce\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Bench:Runonce")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Bench{}.Runonce()
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "bench:sim":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Bench:Sim\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Bench:Sim")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Bench{}.Sim()
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "bench:soak":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Bench:Soak\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Bench:Soak")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Bench{}.Soak()
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "cluster:down":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Cluster:Down\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Cluster:Down")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Cluster{}.Down(ctx)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "cluster:up":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Cluster:Up\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Cluster:Up")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Cluster{}.Up(ctx)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "images:lab":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Images:Lab\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Images:Lab")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Images{}.Lab(ctx)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "images:postgres":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Images:Postgres\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Images:Postgres")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Images{}.Postgres(ctx)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "lab:compare":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Lab:Compare\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Lab:Compare")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Lab{}.Compare(ctx)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "lab:fix":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Lab:Fix\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Lab:Fix")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Lab{}.Fix(ctx)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "lab:preemptible":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Lab:Preemptible\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Lab:Preemptible")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Lab{}.Preemptible(ctx)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "lab:preemptiblekind":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Lab:PreemptibleKind\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Lab:PreemptibleKind")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Lab{}.PreemptibleKind(ctx)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "lab:race":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Lab:Race\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Lab:Race")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Lab{}.Race(ctx)
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "lint":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Lint\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Lint")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Lint()
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "postgres:temp":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Postgres:Temp\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Postgres:Temp")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Postgres{}.Temp()
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "test:all":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Test:All\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Test:All")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Test{}.All()
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "test:faults":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Test:Faults\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Test:Faults")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Test{}.Faults()
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
			case "test:short":
				expected := x + 0
				if expected > len(args.Args) {
					// note that expected and args at this point include the arg for the target itself
					// so we subtract 1 here to show the number of args without the target.
					logger.Printf("not enough arguments for target \"Test:Short\", expected %v, got %v\n", expected-1, len(args.Args)-1)
					_os.Exit(2)
				}
				if args.Verbose {
					logger.Println("Running target:", "Test:Short")
				}
				
				wrapFn := func(ctx _context.Context) error {
					return Test{}.Short()
				}
				ret := runTarget(logger, wrapFn)
				handleError(logger, ret)
		
		default:
			logger.Printf("Unknown target specified: %q\n", target)
			_os.Exit(2)
		}
	}
}




