package origin

import "time"

// bucket is a token bucket: it holds up to burst tokens, gains rate tokens
// per second, and each allowed request takes one.
type bucket struct {
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

// newBucket returns a full bucket.
func newBucket(rate float64, burst int) *bucket {
	b := float64(max(burst, 1))
	return &bucket{rate: rate, burst: b, tokens: b}
}

// allow reports whether a request arriving at now may proceed, taking a
// token if so.
func (b *bucket) allow(now time.Time) bool {
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	if now.After(b.last) {
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// refill fills the bucket up again.
func (b *bucket) refill() {
	b.tokens = b.burst
	b.last = time.Time{}
}
