package attack

import (
	"syscall"
	"time"
	"unsafe"
)

// fineSleep sleeps d with nanosleep(2) as a raw system call: unlike a Go
// timer it does not round up to the netpoller's millisecond, and unlike an
// ordinary system call it keeps the thread's P, so the scheduler runs again
// the moment the kernel wakes it.
func fineSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), 0, 0)
}
