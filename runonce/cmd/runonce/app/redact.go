package app

import (
	"net/url"
	"regexp"
	"strings"
)

var (
	// pgx quotes the connection string it could not parse in backquotes,
	// after redacting the password its own way — which leaves pieces of a
	// password holding '@', ':' or '/'. The whole quote is replaced.
	quotedDSN = regexp.MustCompile("`[^`]*`")
	urlUser   = regexp.MustCompile(`(postgres(?:ql)?://[^:/@\s]*:)[^\s]*@`)
	// A key=value password is quoted ('...') or runs to the first
	// unescaped space: libpq reads "password=SEC\ RET" as "SEC RET".
	kvPassword = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|(?:\\.|\S)+)`)
)

// scrubDSN removes dsn's password from msg, an error about dsn, in every
// form it can take there: verbatim, URL-decoded, and inside pgx's quote of
// the DSN.
func scrubDSN(msg, dsn string) string {
	msg = quotedDSN.ReplaceAllLiteralString(msg, "`"+redactDSN(dsn)+"`")
	for _, pw := range dsnPasswords(dsn) {
		if len(pw) >= 3 {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return redactDSN(msg)
}

// redactDSN replaces the password in a URL (everything between the user's
// ':' and the last '@', so a password holding '@', ':' or '/' goes whole)
// or in a key=value DSN.
func redactDSN(s string) string {
	s = urlUser.ReplaceAllString(s, "${1}xxxxx@")
	return kvPassword.ReplaceAllString(s, "${1}xxxxx")
}

// dsnPasswords returns the password dsn may carry, as written and decoded.
func dsnPasswords(dsn string) []string {
	var out []string
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				out = append(out, pw)
				if d, err := url.PathUnescape(pw); err == nil {
					out = append(out, d)
				}
			}
		}
	}
	for _, m := range kvPassword.FindAllStringSubmatch(dsn, -1) {
		out = append(out, strings.Trim(m[2], "'"))
	}
	return out
}

// redact removes a password that slipped into an error's text. It keeps the
// error's identity for ExitCode.
func redact(err error, password string) error {
	if err == nil {
		return nil
	}
	msg := redactDSN(err.Error())
	if len(password) >= 3 {
		msg = strings.ReplaceAll(msg, password, "xxxxx")
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
