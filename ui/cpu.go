package ui

import "time"

// cpuMeter measures the whole process's CPU use between two calls (user +
// system time of every thread, cgo included: see ownCPU).
type cpuMeter struct {
	lastCPU  time.Duration
	lastWall time.Time
}

// sample returns the CPU used since the previous call as a percentage of
// one core (200 % = two cores busy), and false on the first call.
func (m *cpuMeter) sample(now time.Time) (float64, bool) {
	cpu, err := ownCPU()
	if err != nil {
		return 0, false
	}
	prevCPU, prevWall := m.lastCPU, m.lastWall
	m.lastCPU, m.lastWall = cpu, now
	if prevWall.IsZero() {
		return 0, false
	}
	wall := now.Sub(prevWall)
	if wall <= 0 {
		return 0, false
	}
	return 100 * float64(cpu-prevCPU) / float64(wall), true
}
