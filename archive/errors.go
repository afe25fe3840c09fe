package archive

import "errors"

// Exit codes of the crm command (DESIGN.md, "Command surface").
const (
	ExitError     = 1  // an error: bad input, I/O, …
	ExitUsage     = 2  // a bad flag, argument or value
	ExitDenied    = 3  // not permitted: a role is missing, or no key opens the file
	ExitIntegrity = 4  // verify found something wrong
	ExitDue       = 10 // something is due or overdue (for cron)
)

// CodedError carries the exit code the command should end with.
type CodedError struct {
	Code int
	Err  error
}

func (e *CodedError) Error() string { return e.Err.Error() }
func (e *CodedError) Unwrap() error { return e.Err }

func coded(code int, err error) error {
	if err == nil {
		return nil
	}
	return &CodedError{Code: code, Err: err}
}

// Usage marks err as a usage error (exit 2).
func Usage(err error) error { return coded(ExitUsage, err) }

// Denied marks err as "not permitted" (exit 3).
func Denied(err error) error { return coded(ExitDenied, err) }

// Integrity marks err as an integrity problem (exit 4).
func Integrity(err error) error { return coded(ExitIntegrity, err) }

// ExitCode returns the exit code for err: 0 for nil, the code of the
// outermost CodedError, or 1.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var ce *CodedError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return ExitError
}
