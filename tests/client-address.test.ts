import fc from 'fast-check';
import { ConfigError, loadConfig } from '../src/config';
import { clientAddress, normalizeAddress, parseTrustProxy, TRUST_NOBODY } from '../src/guard/client-address';

const fail = (message: string): never => {
  throw new ConfigError(message);
};
const SEED = 15;

const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6().filter((a) => normalizeAddress(a) !== undefined && !/^::ffff:/i.test(a));
const address = fc.oneof(ipv4, ipv6);
/** What a client can put in X-Forwarded-For: addresses, or anything at all. */
const junk = fc.oneof(address, fc.string({ maxLength: 20 }).filter((s) => !s.includes(',')));

describe('the address a request is counted by', () => {
  it('is the socket address when no proxy is trusted, whatever X-Forwarded-For says', () => {
    fc.assert(
      fc.property(address, fc.array(junk, { maxLength: 6 }), (socket, forwarded) => {
        expect(clientAddress(socket, forwarded.join(', '), TRUST_NOBODY)).toBe(normalizeAddress(socket));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('behind n trusted hops, is the address the farthest trusted hop saw, whatever the client prepended', () => {
    fc.assert(
      fc.property(fc.array(junk, { maxLength: 5 }), address, fc.array(address, { minLength: 0, maxLength: 3 }), address, (spoofed, client, innerHops, gateway) => {
        // The client sends `spoofed`; each trusted hop appends the address it saw; the nearest hop is the socket.
        const forwarded = [...spoofed, client, ...innerHops];
        const trust = { kind: 'hops' as const, hops: innerHops.length + 1 };
        expect(clientAddress(gateway, forwarded.join(','), trust)).toBe(normalizeAddress(client));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('behind trusted ranges, is the first address from the right outside them', () => {
    const trust = parseTrustProxy('10.0.0.0/8, fd00::/8', fail);
    const inside = fc.oneof(
      fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `10.${a}.${b}.${c}`),
      fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 }).map((groups) => `fd00:${groups.map((g) => g.toString(16)).join(':')}`),
    );
    const outside = ipv4.filter((a) => !a.startsWith('10.'));
    fc.assert(
      fc.property(fc.array(junk, { maxLength: 4 }), outside, fc.array(inside, { maxLength: 3 }), inside, (spoofed, client, proxies, gateway) => {
        expect(clientAddress(gateway, [...spoofed, client, ...proxies].join(', '), trust)).toBe(client);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('is always an address: never text a client made up', () => {
    fc.assert(
      fc.property(address, fc.array(junk, { maxLength: 6 }), fc.integer({ min: 1, max: 4 }), (socket, forwarded, hops) => {
        const counted = clientAddress(socket, forwarded.join(','), { kind: 'hops', hops });
        expect(normalizeAddress(counted)).toBe(counted);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('reads IPv4 through an IPv6 socket, ports and brackets as plain addresses', () => {
    const one = { kind: 'hops' as const, hops: 1 };
    expect(clientAddress('::ffff:127.0.0.1', undefined, TRUST_NOBODY)).toBe('127.0.0.1');
    expect(clientAddress('::ffff:10.0.0.2', '203.0.113.7:5513', one)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.2', '[2001:DB8::1]:443', one)).toBe('2001:db8::1');
    expect(clientAddress('10.0.0.2', 'not-an-address', one)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', ['198.51.100.1', '203.0.113.9'], one)).toBe('203.0.113.9');
  });
});

describe('REGISTRY_TRUST_PROXY', () => {
  it('is off by default', () => {
    expect(loadConfig({}).trustProxy).toEqual({ kind: 'off' });
    expect(loadConfig({ REGISTRY_TRUST_PROXY: 'off' }).trustProxy).toEqual({ kind: 'off' });
  });

  it('takes a hop count or addresses and ranges', () => {
    expect(loadConfig({ REGISTRY_TRUST_PROXY: '2' }).trustProxy).toEqual({ kind: 'hops', hops: 2 });
    const ranges = loadConfig({ REGISTRY_TRUST_PROXY: '10.1.0.0/16,192.0.2.5, 2001:db8::/32' }).trustProxy;
    expect(clientAddress('10.1.2.3', '203.0.113.1', ranges)).toBe('203.0.113.1');
    expect(clientAddress('192.0.2.5', '203.0.113.1', ranges)).toBe('203.0.113.1');
    expect(clientAddress('2001:db8::7', '203.0.113.1', ranges)).toBe('203.0.113.1');
    expect(clientAddress('10.2.0.1', '203.0.113.1', ranges)).toBe('10.2.0.1');
  });

  it.each(['10.0.0.0/33', 'gateway.internal', '10.0.0.0/', '11', '1.2.3.4/8/1'])('refuses %s with one clear message', (value) => {
    expect(() => loadConfig({ REGISTRY_TRUST_PROXY: value })).toThrow(/^REGISTRY_TRUST_PROXY must be/);
  });
});
