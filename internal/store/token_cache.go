package store

import (
	"sync"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// An API client sends its token with every request, and resolving it costs
// two reads. A resolved token is therefore remembered for a short time.
// Revocation still takes effect at once on the node that revokes: every
// committed change to people, organisations or tokens (anything audited as
// such, see auditRef) empties the cache, and an entry resolved while such a
// change was committing is never used. Other nodes see a revocation within
// tokenCacheTTL. An expired token is refused at its expiry, cached or not.

// tokenCacheTTL is how long a resolved token is trusted without reading it
// again; it bounds how late another node notices a revocation.
const tokenCacheTTL = 2 * time.Second

// maxCachedTokens bounds the cache; when it is full it starts again.
const maxCachedTokens = 10000

// tokenCache maps token hashes to what they resolved to.
type tokenCache struct {
	mu      sync.Mutex
	gen     uint64 // advanced by every invalidation
	entries map[string]*cachedToken
}

// cachedToken is a resolved, valid token.
type cachedToken struct {
	id       int64
	user     itsm.User
	expires  *time.Time // the token's own expiry
	lastUsed time.Time  // last_used_at as last written
	until    time.Time  // wall-clock end of trust
	gen      uint64
}

// generation returns the current generation; a look-up records it before
// reading, and put discards its result if an invalidation came between.
func (c *tokenCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// get returns a copy of the entry for hash when it is still trusted.
func (c *tokenCache) get(hash string) (cachedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || e.gen != c.gen || time.Now().After(e.until) {
		return cachedToken{}, false
	}
	return *e, true
}

// put remembers a resolved token, unless the cache was invalidated since
// gen was read.
func (c *tokenCache) put(hash string, e cachedToken, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= maxCachedTokens {
		c.entries = map[string]*cachedToken{}
	}
	e.gen, e.until = gen, time.Now().Add(tokenCacheTTL)
	c.entries[hash] = &e
}

// touched records that last_used_at was written.
func (c *tokenCache) touched(hash string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[hash]; ok {
		e.lastUsed = at
	}
}

// invalidate forgets every entry.
func (c *tokenCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.entries = nil
}

// authObjects are the audited object types whose changes can alter what a
// token resolves to.
var authObjects = map[string]bool{"user": true, "api_token": true, "organisation": true}
