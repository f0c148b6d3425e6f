package lark

import (
	"context"
	"sync"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
)

// tokens caches tenant access tokens for every Adapter in the process. The SDK keeps a single
// process-wide token cache (each new client that names one replaces it), so all adapters share
// this one; having it lets an adapter drop a token that Lark no longer accepts (after the app
// secret was reset, say) instead of failing until the token would have expired, up to two hours.
var tokens = &tokenCache{m: map[string]cachedToken{}}

// Lark's codes for a tenant token it does not accept.
const (
	codeTokenInvalid = 99991663
	codeTokenExpired = 99991677
)

type cachedToken struct {
	value   string
	expires time.Time
}

// tokenCache is a larkcore.Cache in memory. It is safe for concurrent use.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedToken
}

var _ larkcore.Cache = (*tokenCache)(nil)

// Set implements larkcore.Cache.
func (c *tokenCache) Set(_ context.Context, key, value string, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = cachedToken{value: value, expires: time.Now().Add(ttl)}
	return nil
}

// Get implements larkcore.Cache; an expired or unknown key is "".
func (c *tokenCache) Get(_ context.Context, key string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[key]
	if !ok || time.Now().After(t.expires) {
		delete(c.m, key)
		return "", nil
	}
	return t.value, nil
}

// reset forgets every token; the next call of each app fetches a new one.
func (c *tokenCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}
