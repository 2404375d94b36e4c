package attack

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
)

// FDReserve is how many file descriptors fnbench keeps for itself beside
// its connections: the run directory's files and run.json's rewrite, the
// simulator's listener, standard streams.
const FDReserve = 64

// fdBudget bounds the connections open at once to the process's limit on
// open files less FDReserve, so that running out of descriptors fails
// requests (as client_error, fnbench's own) rather than the writes of the
// run directory. Go raises the soft limit to the hard one at start; a
// limit it cannot read leaves the budget unbounded.
type fdBudget struct {
	once  sync.Once
	limit int64 // 0: unbounded
	open  atomic.Int64
}

var fds fdBudget

// errFDBudget says a dial was refused for want of file descriptors. It
// wraps EMFILE, which classifies it as a client_error.
var errFDBudget = fmt.Errorf("fnbench's connections reached the limit on open files less %d kept for the run directory (raise ulimit -n): %w", FDReserve, syscall.EMFILE)

func (b *fdBudget) take() error {
	b.once.Do(func() {
		if n, ok := FDLimit(); ok {
			b.limit = max(int64(n)-FDReserve, 1)
		}
	})
	if n := b.open.Add(1); b.limit > 0 && n > b.limit {
		b.open.Add(-1)
		return errFDBudget
	}
	return nil
}

// budgetConn gives its descriptor back to the budget when it is closed.
type budgetConn struct {
	net.Conn
	once sync.Once
}

func (c *budgetConn) Close() error {
	c.once.Do(func() { fds.open.Add(-1) })
	return c.Conn.Close()
}

// dialBudgeted dials with d within the descriptor budget.
func dialBudgeted(ctx context.Context, d *net.Dialer, network, addr string) (net.Conn, error) {
	if err := fds.take(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		fds.open.Add(-1)
		return nil, err
	}
	return &budgetConn{Conn: nc}, nil
}
