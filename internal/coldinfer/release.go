package coldinfer

import (
	"math"
	"time"
)

const (
	// sharedFraction: learned instances are shared when at least this
	// fraction of slow responses came back in groups of sharedGroup or
	// more. On one-request-per-instance platforms groups form only by
	// chance and stay small.
	sharedFraction = 0.5
	sharedGroup    = 3
	// sharedEvidence is how many slow responses it takes to learn that
	// instances are not shared.
	sharedEvidence = 5
	// maxGroups bounds the groups remembered; only groups that can still
	// take a response are kept, so this is a safety net.
	maxGroups = 4096
)

// release is a group of slow responses that ended together because one
// event let them through: an instance that became ready, on a platform
// whose instances take several requests (Azure Functions). The first
// request sent started that instance; the others joined it while it was
// starting, or waited in the platform's queue for it.
type release struct {
	cmin, cmax time.Duration // when its responses ended, from run start
	size       int           // the requests that started and joined it
	// starter is the index, in the interval being decided, of the
	// response that started the group (-1 once that interval is
	// decided); near says it ended soon after another group's responses,
	// as a request let through by that group's instance can.
	starter int
	near    bool
}

// fits reports whether a slow response sent at at and ending at end can be
// one more request that waited for the same instance: sent before the
// group's first response came back, and ending with the others.
func (g release) fits(at, end, together time.Duration) bool {
	return at < g.cmin && max(g.cmax, end)-min(g.cmin, end) <= together
}

// drains reports whether a slow response ending at end can have been a
// queued request let through by a slot the group freed: it ends once the
// group has begun to end (give or take the jitter of reading responses),
// and at most a warm p99 after its last response: the slot it took was
// freed at or before that end, and its own service is a warm latency.
func (g release) drains(end time.Duration, lim limits) bool {
	return end >= g.cmin-lim.jitter && end <= g.cmax+lim.median+lim.spread
}

func (g *release) add(end time.Duration) {
	g.cmin, g.cmax = min(g.cmin, end), max(g.cmax, end)
	g.size++
}

// chain follows slow responses in send order at Push time, grouping each
// with the one before it when they can have waited for the same instance.
type chain struct {
	current release
	started bool
}

// next adds a slow response; it returns the size of the group that ended,
// if one did.
func (c *chain) next(s Sample, together time.Duration) (ended int) {
	end := s.end()
	if c.started && c.current.fits(s.At, end, together) {
		c.current.add(end)
		return 0
	}
	if c.started {
		ended = c.current.size
	}
	c.current, c.started = release{cmin: end, cmax: end, size: 1}, true
	return ended
}

// releases groups the slow responses of a target in send order, and
// learns whether the target's instances are shared.
type releases struct {
	groups      []release
	last        int // index of the group the last slow response started or joined, -1 if none
	concurrency int // Config.InstanceConcurrency

	// Learned at Push time: how many slow responses came back, and how
	// many of them in groups of sharedGroup or more (grouped within one
	// warm width), to tell whether instances are shared.
	tight          chain
	slow, inGroups float64
}

// learn takes one slow response, at Push time.
func (r *releases) learn(s Sample, lim limits) {
	if n := r.tight.next(s, lim.width); n > 0 {
		r.slow += float64(n)
		if n >= sharedGroup {
			r.inGroups += float64(n)
		}
	}
}

// forget drops what was learned, when the reference it was learned
// against is replaced.
func (r *releases) forget() {
	r.tight = chain{}
	r.slow, r.inGroups = 0, 0
}

// shared reports whether instances take several requests at once.
func (r *releases) shared() bool {
	switch {
	case r.concurrency == 1:
		return false
	case r.concurrency > 1:
		return true
	}
	slow, inGroups := r.slow, r.inGroups
	if n := float64(r.tight.current.size); n > 0 {
		slow += n
		if n >= sharedGroup {
			inGroups += n
		}
	}
	if slow < sharedEvidence {
		// Not enough evidence yet. Shared is the safer guess: on a platform
		// that gives each request its own instance, it misses only cold
		// starts that happen to end together.
		return true
	}
	return inGroups >= sharedFraction*slow
}

// capacity is how many requests one group can hold: the configured
// concurrency, else no limit.
func (r *releases) capacity() int {
	if r.concurrency > 1 {
		return r.concurrency
	}
	return math.MaxInt
}

// starts decides one slow response on shared instances: it is cold when it
// starts a new group, neither waiting for the instance that the slow
// response before it waited for, nor let through by an earlier group.
func (r *releases) starts(s Sample, idx int, lim limits) bool {
	end := s.end()
	if r.last >= 0 {
		g := &r.groups[r.last]
		if g.size < r.capacity() && g.fits(s.At, end, lim.together) && !(g.suspect() && r.drainsOther(end, lim)) {
			g.add(end)
			return false
		}
	}
	for i := range r.groups {
		if i == r.last && r.groups[i].suspect() {
			continue
		}
		if r.groups[i].drains(end, lim) {
			g := &r.groups[i]
			g.cmin, g.cmax = min(g.cmin, end), max(g.cmax, end)
			return false
		}
	}
	if len(r.groups) == maxGroups {
		copy(r.groups, r.groups[1:])
		r.groups = r.groups[:maxGroups-1]
	}
	near := false
	for i := range r.groups {
		if g := &r.groups[i]; end >= g.cmin-lim.jitter && end <= g.cmax+lim.slow {
			near = true
		}
	}
	r.groups = append(r.groups, release{cmin: end, cmax: end, size: 1, starter: idx, near: near})
	r.last = len(r.groups) - 1
	return true
}

// settle ends the decision of an interval: a group started in it that
// no other response joined, and that ended soon after another group's
// responses, was a request that group's instance let through after a
// long handler, not a new instance: its starter is not cold after all.
func (r *releases) settle(cold []bool) {
	for i := range r.groups {
		g := &r.groups[i]
		if g.starter >= 0 && g.near && g.size == 1 {
			cold[g.starter] = false
		}
		g.starter = -1
	}
}

// suspect reports whether the group may be a single request that an
// earlier group's instance let through after a long handler: it has no
// other member yet, and ended soon after that group.
func (g release) suspect() bool { return g.size == 1 && g.near }

// drainsOther reports whether a response ending at end can have been let
// through by a group other than the last one.
func (r *releases) drainsOther(end time.Duration, lim limits) bool {
	for i := range r.groups {
		if i != r.last && r.groups[i].drains(end, lim) {
			return true
		}
	}
	return false
}

// prune forgets the groups that no response sent from now on can join or
// drain: every such response ends after now.
func (r *releases) prune(now time.Duration, lim limits) {
	reach := max(lim.median+lim.spread, lim.together)
	kept := r.groups[:0]
	last := -1
	for i, g := range r.groups {
		if g.cmax+reach < now {
			continue
		}
		if i == r.last {
			last = len(kept)
		}
		kept = append(kept, g)
	}
	clear(r.groups[len(kept):])
	r.groups, r.last = kept, last
}
