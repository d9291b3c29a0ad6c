package testx

import (
	"testing"

	"go.uber.org/goleak"
)

// NoLeaks checks, after every other cleanup of the test has run, that no
// goroutine outlived it. Call it first in the test (cleanups run last in,
// first out). opts are goleak's, taken at the call: goleak.IgnoreCurrent()
// ignores the goroutines running when the test began. A whole package's
// check is goleak.VerifyTestMain in its TestMain instead.
func NoLeaks(tb testing.TB, opts ...goleak.Option) {
	tb.Helper()
	tb.Cleanup(func() { goleak.VerifyNone(tb, opts...) })
}
