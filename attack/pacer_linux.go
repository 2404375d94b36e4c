package attack

import (
	"syscall"
	"time"
	"unsafe"
)

// prepareFineSleep asks the kernel to wake this thread within 1 ns of a
// deadline instead of the default 50 µs timer slack (PR_SET_TIMERSLACK).
func prepareFineSleep() {
	const prSetTimerSlack = 29
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetTimerSlack, 1, 0)
}

// fineSleep sleeps d with nanosleep(2) as a raw system call: the thread keeps
// its P, so it runs again the moment the kernel wakes it instead of queueing
// for a P (the ordinary syscall path can add milliseconds when the P was
// handed off meanwhile).
func fineSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), 0, 0)
}
