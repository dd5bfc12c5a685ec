// Framework-free HTTP helpers shared by the adapters (@redgrid/express, @redgrid/nestjs) and by
// anyone wiring the limiter into another framework: the same request gets the same key and the
// same headers everywhere.
export {
  type ClientAddressKeyOptions,
  clientAddressKey,
  clientAddressKeyIssues,
  DEFAULT_IPV6_SUBNET,
} from './client-address-key.js';
export {
  type HeaderTarget,
  type RateLimitHeaderOptions,
  type RateLimitHeaderStyle,
  rateLimitHeaderIssues,
  rateLimitHeaders,
  retryAfterSeconds,
  setRateLimitHeaders,
} from './rate-limit-headers.js';
