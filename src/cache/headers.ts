import type http from 'node:http';

/**
 * Shared caches (a CDN, a proxy) must not hand an answer given to a key
 * holder to anyone else: answers to requests with a key, or to every request
 * when reads need one, are `private` and vary by `Authorization`. Public
 * answers keep their `public` policy and stay cacheable.
 */
export function keepKeyedAnswersPrivate(res: http.ServerResponse, keyed: boolean): void {
  if (!keyed) return;
  const policy = res.getHeader('cache-control');
  if (typeof policy === 'string' && /\bpublic\b/i.test(policy)) res.setHeader('cache-control', policy.replace(/\bpublic\b/i, 'private'));
  const vary = res.getHeader('vary');
  const varies = typeof vary === 'string' ? vary.split(',').map((v) => v.trim().toLowerCase()) : [];
  if (!varies.includes('authorization')) res.setHeader('vary', [vary, 'authorization'].filter(Boolean).join(', '));
}
