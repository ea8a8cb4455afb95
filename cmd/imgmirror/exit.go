package main

import (
	"errors"
	"fmt"
)

// Exit codes, stable across versions (documented in README.md).
const (
	ExitOK        = 0   // every image archived (or nothing to do)
	ExitPartial   = 1   // some images failed or verify found problems; articles still written
	ExitUsage     = 2   // bad flags or arguments, unreadable input
	ExitStore     = 3   // the store cannot be used
	ExitLocked    = 4   // another run holds the output directory's lock
	ExitInterrupt = 130 // SIGINT
	ExitTerm      = 143 // SIGTERM
)

// exitError carries an exit code with an error message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...)}
}

// codeOf maps an error returned by a command to its exit code; errors
// without a code are usage errors (cobra's own argument and flag errors).
func codeOf(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitUsage
}
