package ui

import (
	"sync"
	"time"
)

// debouncer runs the last function it was given once calls have paused
// for delay, on the Fyne goroutine (through do). Typing in a field calls it
// on every key; the work (a stream restart) happens once, when the person
// stops typing. Call and Flush must be called on the Fyne goroutine.
type debouncer struct {
	delay time.Duration
	do    func(func())

	mu    sync.Mutex
	timer *time.Timer
	gen   int    // which Call the timer belongs to
	fn    func() // pending work, nil when none
}

// Call replaces the pending work with fn and restarts the pause.
func (d *debouncer) Call(fn func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	d.gen++
	gen := d.gen
	d.fn = fn
	d.timer = time.AfterFunc(d.delay, func() { d.do(func() { d.fire(gen) }) })
}

// Flush runs the pending work now, if any: before the fields it reads
// change meaning (another camera is selected) or the window closes.
func (d *debouncer) Flush() {
	d.mu.Lock()
	d.gen++
	if d.timer != nil {
		d.timer.Stop()
	}
	fn := d.fn
	d.fn = nil
	d.mu.Unlock()
	if fn != nil {
		fn()
	}
}

// Stop drops the pending work.
func (d *debouncer) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gen++
	if d.timer != nil {
		d.timer.Stop()
	}
	d.fn = nil
}

func (d *debouncer) fire(gen int) {
	d.mu.Lock()
	if gen != d.gen || d.fn == nil {
		d.mu.Unlock()
		return
	}
	fn := d.fn
	d.fn = nil
	d.mu.Unlock()
	fn()
}
