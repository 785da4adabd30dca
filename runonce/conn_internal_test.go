package runonce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// retryable decides whether a connection error may go away by itself
// (retried until WaitTimeout) or is final (exit 69 at once).
func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"too many clients", &pgconn.PgError{Code: sqlTooManyConnections}, true},
		{"starting up", &pgconn.PgError{Code: sqlCannotConnectNow}, true},
		{"shutting down", &pgconn.PgError{Code: sqlAdminShutdown}, true},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		// Seen in the soak: a restart cut the connection during SCRAM.
		{"closed during auth", fmt.Errorf("failed SASL auth: %w", io.ErrUnexpectedEOF), true},
		{"closed", fmt.Errorf("receive: %w", io.EOF), true},
		{"broken pipe", fmt.Errorf("write: %w", syscall.EPIPE), true},
		{"our timeout", context.DeadlineExceeded, true},
		{"DNS typo", &net.DNSError{Name: "db.example.invalid", IsNotFound: true}, false},
		{"DNS not yet published", &net.DNSError{Name: "db", IsNotFound: true}, true},
		{"wrong password", &pgconn.PgError{Code: sqlInvalidPassword}, false},
		{"no database", &pgconn.PgError{Code: sqlInvalidCatalog}, false},
		{"something else", errors.New("tls: bad certificate"), false},
	} {
		if got := retryable(tc.err); got != tc.want {
			t.Errorf("%s: retryable(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
