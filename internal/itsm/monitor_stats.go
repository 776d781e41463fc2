package itsm

import (
	"math"
	"time"
)

// LatencyBounds are the upper bounds of the latency histogram buckets that
// roll-ups keep; a last bucket holds everything slower. Percentiles are
// interpolated within a bucket, so the bounds are close where response
// times usually fall.
var LatencyBounds = []time.Duration{
	5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	75 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond, 250 * time.Millisecond,
	500 * time.Millisecond, 750 * time.Millisecond, time.Second, 2500 * time.Millisecond,
	5 * time.Second, 10 * time.Second, 30 * time.Second,
}

// LatencyBucketCount is the number of histogram buckets, the overflow
// bucket included.
const LatencyBucketCount = 16

// LatencyHistogram counts samples per latency bucket.
type LatencyHistogram [LatencyBucketCount]int64

// LatencyBucket returns the bucket index of a latency.
func LatencyBucket(d time.Duration) int {
	for i, b := range LatencyBounds {
		if d <= b {
			return i
		}
	}
	return len(LatencyBounds)
}

// Add counts one sample.
func (h *LatencyHistogram) Add(d time.Duration) { h[LatencyBucket(d)]++ }

// Merge adds o's counts to h.
func (h *LatencyHistogram) Merge(o *LatencyHistogram) {
	for i := range h {
		h[i] += o[i]
	}
}

// Total is the number of samples counted.
func (h *LatencyHistogram) Total() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// Quantile estimates the q-quantile (0 < q ≤ 1) by linear interpolation
// within the bucket that holds it, as Prometheus's histogram_quantile does.
// The overflow bucket reports the last bound. It returns 0 for no samples.
func (h *LatencyHistogram) Quantile(q float64) time.Duration {
	total := h.Total()
	if total == 0 {
		return 0
	}
	rank := q * float64(total)
	var seen float64
	for i, c := range h {
		if c == 0 {
			continue
		}
		if seen+float64(c) >= rank {
			if i == len(LatencyBounds) {
				return LatencyBounds[len(LatencyBounds)-1]
			}
			lower := time.Duration(0)
			if i > 0 {
				lower = LatencyBounds[i-1]
			}
			upper := LatencyBounds[i]
			frac := (rank - seen) / float64(c)
			return lower + time.Duration(math.Round(frac*float64(upper-lower)))
		}
		seen += float64(c)
	}
	return LatencyBounds[len(LatencyBounds)-1]
}

// AvailabilityPercent is up samples over all samples as a percentage, or -1
// when there were none.
func AvailabilityPercent(samples, failures int64) float64 {
	if samples <= 0 {
		return -1
	}
	return 100 * float64(samples-failures) / float64(samples)
}
