package onvifcam

import "testing"

// StartTest starts d (after setup, if any, has changed it) and closes it
// when the test ends.
func StartTest(tb testing.TB, d *Device, setup func(*Device)) *Device {
	tb.Helper()
	if setup != nil {
		setup(d)
	}
	if err := d.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(d.Close)
	return d
}
