import type http from 'node:http';

/**
 * Which web pages on other origins may call /graphql from a browser
 * (REGISTRY_CORS_ORIGINS). Off by default: only the registry's own pages.
 * `*` lets any page read, so it is allowed only while reads are public, and
 * never with credentials or keys: a page that writes must be listed by origin.
 * Apollo's CSRF prevention stays on for everything but the preflight.
 */
export interface CorsPolicy {
  /** `*`: any origin may read. */
  anyOrigin: boolean;
  /** Origins as browsers send them (`https://dashboard.example.org`, no path). */
  origins: ReadonlySet<string>;
}

/** Request headers a dashboard may send: JSON bodies, languages, Apollo's CSRF headers and a request id. */
const READ_HEADERS = ['content-type', 'accept', 'accept-language', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id'];
/** Listed origins may also send a key, and so write. */
const LISTED_HEADERS = [...READ_HEADERS, 'authorization'];
/** Headers a page may read off the answer besides the simple ones. */
const EXPOSED_HEADERS = 'x-request-id, retry-after';
/** How long a browser may keep a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** Parses REGISTRY_CORS_ORIGINS (comma- or space-separated); `fail` is called with one line when it is wrong. */
export function corsFromEnv(value: string | undefined, publicRead: boolean, fail: (message: string) => never): CorsPolicy | undefined {
  const items = (value ?? '').split(/[\s,]+/).filter(Boolean);
  if (!items.length) return undefined;
  if (items.includes('*')) {
    if (items.length > 1) fail('REGISTRY_CORS_ORIGINS is either "*" or a list of origins, not both');
    if (!publicRead) fail('REGISTRY_CORS_ORIGINS="*" lets any web page read, which needs public reads (REGISTRY_PUBLIC_READ is off): list the dashboards\' origins instead');
    return { anyOrigin: true, origins: new Set() };
  }
  const origins = new Set<string>();
  for (const item of items) {
    let origin: string | undefined;
    try {
      const url = new URL(item);
      if (/^https?:$/.test(url.protocol) && url.origin === item.replace(/\/$/, '')) origin = url.origin;
    } catch {
      // Reported below.
    }
    if (!origin) fail(`REGISTRY_CORS_ORIGINS holds "${item}", which is not an origin: give scheme, host and port only, e.g. https://dashboard.example.org`);
    origins.add(origin);
  }
  return { anyOrigin: false, origins };
}

function appendVary(res: http.ServerResponse, value: string): void {
  const vary = res.getHeader('vary');
  res.setHeader('vary', vary ? `${vary}, ${value}` : value);
}

/**
 * Sets the CORS headers of an answer to a cross-origin request, and answers
 * its preflight (OPTIONS) whole. Returns true when the request is answered.
 * A refused origin gets no CORS header, so its browser keeps the answer from
 * the page; its preflight is a 403 that says why.
 */
export function applyCors(policy: CorsPolicy | undefined, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const origin = req.headers.origin;
  const preflight = req.method === 'OPTIONS';
  const listed = !!origin && !!policy && policy.origins.has(origin);
  const allowed = !!origin && !!policy && (policy.anyOrigin || listed);
  if (policy && !policy.anyOrigin) appendVary(res, 'origin');
  if (allowed) {
    res.setHeader('access-control-allow-origin', listed ? origin : '*');
    // Credentials (cookies of a proxy in front) only for origins named one by one, never for `*`.
    if (listed) res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
  }
  if (!preflight) return false;
  if (!origin || !req.headers['access-control-request-method']) {
    // Not a browser's preflight: say what /graphql answers to.
    res.writeHead(204, { allow: 'GET, POST, OPTIONS' });
    res.end();
    return true;
  }
  if (!allowed) {
    const message = policy
      ? `The origin ${origin} may not call this registry from a browser; an operator can add it to REGISTRY_CORS_ORIGINS`
      : 'This registry answers browsers on other origins only when REGISTRY_CORS_ORIGINS lists them';
    res.writeHead(403, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ errors: [{ message, extensions: { code: 'CORS_ORIGIN_NOT_ALLOWED' } }] }));
    return true;
  }
  res.writeHead(204, {
    'access-control-allow-methods': 'GET, POST',
    'access-control-allow-headers': (listed ? LISTED_HEADERS : READ_HEADERS).join(', '),
    'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
  });
  res.end();
  return true;
}
