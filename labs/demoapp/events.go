package demoapp

import (
	"strings"
)

// Event names the app writes as event=NAME on its log lines.
const (
	EventMigrating     = "migrating"      // goose Up is about to run
	EventWaited        = "waited"         // the replica waited for a lock (seconds=)
	EventRan           = "ran"            // the replica started the one-time step (step=)
	EventMigrated      = "migrated"       // migrations applied (versions=)
	EventUpToDate      = "up-to-date"     // nothing to migrate
	EventError         = "error"          // the error the app exits with (err=)
	EventServing       = "serving"        // HTTP is up (port=)
	EventLocked        = "locked"         // postlock holds LOCK TABLE install_locks
	EventCommandExited = "command-exited" // postlock's command ended (code=)
)

// ParseEvent reads one log line of the app (slog's text format, logfmt) and
// returns its event name and attributes; ok is false for lines without an
// event. Quoted values are unquoted.
func ParseEvent(line string) (name string, attrs map[string]string, ok bool) {
	if !strings.Contains(line, "event=") {
		return "", nil, false
	}
	attrs = parseLogfmt(line)
	name, ok = attrs["event"]
	return name, attrs, ok && name != ""
}

// parseLogfmt splits key=value pairs; a value may be "quoted" with \" and \\
// escapes, as slog's TextHandler writes them.
func parseLogfmt(s string) map[string]string {
	out := map[string]string{}
	i := 0
	for i < len(s) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		k := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' {
			i++
		}
		key := s[k:i]
		if i >= len(s) || s[i] != '=' {
			continue
		}
		i++ // '='
		var val strings.Builder
		if i < len(s) && s[i] == '"' {
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
					switch s[i] {
					case 'n':
						val.WriteByte('\n')
					case 't':
						val.WriteByte('\t')
					default:
						val.WriteByte(s[i])
					}
				} else {
					val.WriteByte(s[i])
				}
				i++
			}
			i++ // closing quote
		} else {
			v := i
			for i < len(s) && s[i] != ' ' {
				i++
			}
			val.WriteString(s[v:i])
		}
		if key != "" {
			out[key] = val.String()
		}
	}
	return out
}
