/**
 * A request whose body's SHA-256 digest was taken while the body streamed in (the `preParsing` hook of
 * `createApp`): `bodySha256` is `sha256:<64 lowercase hex digits>` over the body bytes exactly as received, absent
 * when the request had no body. The decisions API uses it as the request fingerprint for idempotency and audit.
 */
export type RequestWithBodyHash = { bodySha256?: string };
