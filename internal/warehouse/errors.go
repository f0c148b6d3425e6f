package warehouse

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// ErrTooManyRows is wrapped by the error Query returns when a result has
// more rows than Options.MaxRows.
var ErrTooManyRows = errors.New("too many rows")

// Kind classifies a warehouse failure by what the caller can do about it.
type Kind int

// The kinds of failure. Only Unavailable and Timeout are worth retrying.
const (
	// Unknown is a failure no rule recognised.
	Unknown Kind = iota
	// Unavailable means the warehouse cannot be reached: connection
	// refused, server gone, too many connections, file locked.
	Unavailable
	// Auth means the warehouse refused the credentials.
	Auth
	// Timeout means the statement or the connection ran out of time.
	Timeout
	// Canceled means the caller's context was canceled.
	Canceled
	// TooManyRows means the result exceeded Options.MaxRows.
	TooManyRows
	// BadQuery means the statement is wrong or not allowed: a syntax
	// error, an unknown table or column, a missing privilege, or a write
	// refused by the read-only session.
	BadQuery
	// Config means the DSN or the options are wrong: unknown scheme,
	// unknown database, malformed DSN, unknown time zone.
	Config
)

var kindNames = [...]string{
	Unknown:     "unknown",
	Unavailable: "unavailable",
	Auth:        "auth",
	Timeout:     "timeout",
	Canceled:    "canceled",
	TooManyRows: "too many rows",
	BadQuery:    "bad query",
	Config:      "config",
}

// String returns the kind's name, such as "timeout".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Error is the error returned by Open, Query and Ping. The message is meant
// for logs: it may quote the driver's message but never a password.
type Error struct {
	// Kind says what went wrong, coarsely.
	Kind Kind
	// Op is what this package was doing, such as "query postgres".
	Op string
	// Err is the underlying error, usually from the driver.
	Err error
}

// Error returns "op: cause".
func (e *Error) Error() string {
	if e.Err == nil {
		return e.Op + ": " + e.Kind.String()
	}
	return e.Op + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether the same call may succeed if retried later:
// true for Unavailable and Timeout.
func (e *Error) Temporary() bool { return e.Kind == Unavailable || e.Kind == Timeout }

// KindOf returns the Kind of the first *Error in err's chain, or Unknown.
func KindOf(err error) Kind {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Kind
	}
	return Unknown
}

// hiddenError shows its own message but unwraps to its cause, so that a
// timeout reads "statement timeout after 5s" while errors.Is still finds
// context.DeadlineExceeded or the driver error behind it.
type hiddenError struct {
	msg   string
	cause error
}

func (e *hiddenError) Error() string { return e.msg }
func (e *hiddenError) Unwrap() error { return e.cause }

// ClassifyNetwork returns Unavailable for errors that mean the server could
// not be reached or went away (refused or reset connections, dial errors,
// unexpected EOF, driver.ErrBadConn), and Unknown otherwise. Driver packages
// use it after their own rules.
func ClassifyNetwork(err error) Kind {
	if err == nil {
		return Unknown
	}
	if _, ok := errors.AsType[*net.OpError](err); ok {
		return Unavailable
	}
	if _, ok := errors.AsType[*net.DNSError](err); ok {
		return Unavailable
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF),
		errors.Is(err, driver.ErrBadConn):
		return Unavailable
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return Timeout
	}
	return Unknown
}

// Scrub returns err unchanged unless its message contains secret (such as
// the password from a DSN), in which case it returns an error with the same
// message where secret reads "<secret>". The scrubbed error keeps err's
// *Error wrapper (kind and op) but not the rest of the chain, since any
// link of it might print the secret.
func Scrub(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	clean := func(e error) error {
		return errors.New(strings.ReplaceAll(e.Error(), secret, "<secret>"))
	}
	if e, ok := errors.AsType[*Error](err); ok && e.Err != nil && !strings.Contains(e.Op, secret) {
		return &Error{Kind: e.Kind, Op: e.Op, Err: clean(e.Err)}
	}
	return clean(err)
}
