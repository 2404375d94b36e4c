package coldinfer

import "time"

// instanceMemory is how long an instance id is remembered unseen: longer
// than platforms keep an idle instance (Lambda about 20 min, Azure 20-30
// min; docs/sources.md, "Scaling and throttling"). One that returns after that is
// judged by latency alone.
const instanceMemory = time.Hour

// instances remembers the instance ids a target revealed. With ids, a
// response is cold when it is the first from its instance and slower than
// the warm p99 (see Detector.Decide).
type instances struct {
	lastSeen map[string]time.Duration
	pruned   time.Duration
}

// first records a sighting and reports whether it was the first.
func (m *instances) first(s Sample) bool {
	if m.lastSeen == nil {
		m.lastSeen = map[string]time.Duration{}
	}
	_, known := m.lastSeen[s.Instance]
	m.lastSeen[s.Instance] = s.At
	return !known
}

// prune forgets instances unseen for instanceMemory, at most once per
// instanceMemory, so memory follows the instances alive, not the run.
func (m *instances) prune(now time.Duration) {
	if len(m.lastSeen) == 0 || now-m.pruned < instanceMemory {
		return
	}
	for id, at := range m.lastSeen {
		if now-at > instanceMemory {
			delete(m.lastSeen, id)
		}
	}
	m.pruned = now
}
