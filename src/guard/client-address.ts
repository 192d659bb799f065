import net from 'node:net';

/**
 * Which hops in front of the registry are trusted to say who the client is
 * (REGISTRY_TRUST_PROXY): nobody (the socket's address is the client), the
 * nearest `hops` proxies, or proxies whose addresses are in given ranges.
 */
export type TrustProxy = { kind: 'off' } | { kind: 'hops'; hops: number } | { kind: 'ranges'; ranges: net.BlockList; text: string };

export const TRUST_NOBODY: TrustProxy = { kind: 'off' };

/** `off` (default), a number of hops (1 for one gateway), or comma-separated addresses and CIDR ranges of the gateways. */
export function parseTrustProxy(value: string | undefined, fail: (message: string) => never): TrustProxy {
  const text = (value ?? '').trim();
  if (text === '' || /^(0|off|false|no)$/i.test(text)) return TRUST_NOBODY;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 10) fail(`REGISTRY_TRUST_PROXY must be at most 10 hops, got "${text}"`);
    return { kind: 'hops', hops };
  }
  const ranges = new net.BlockList();
  for (const part of text.split(',').map((p) => p.trim())) {
    const [address, prefixText, ...rest] = part.split('/');
    const family = net.isIP(address);
    const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
    if (!family || rest.length || !/^\d*$/.test(prefixText ?? '') || prefixText === '' || prefix > (family === 6 ? 128 : 32)) {
      fail(`REGISTRY_TRUST_PROXY must be "off", a number of hops, or addresses and CIDR ranges separated by commas; "${part}" is none of these`);
    }
    ranges.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return { kind: 'ranges', ranges, text };
}

/** An address as the registry counts it: IPv4 seen through an IPv6 socket is plain IPv4; anything not an IP address is undefined. */
export function normalizeAddress(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let address = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1];
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  const mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i.exec(address);
  if (mapped) address = mapped[1];
  const family = net.isIP(address);
  if (!family) return undefined;
  return family === 6 ? address.toLowerCase() : address;
}

function isTrusted(ranges: net.BlockList, address: string): boolean {
  return ranges.check(address, net.isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The address a request is counted by. `X-Forwarded-For` is read only as
 * far as trusted hops wrote it: from the socket leftwards, each trusted hop
 * vouches for the address to its left; a client cannot move itself by
 * prepending addresses of its own. An entry that is not an address counts as
 * the hop that forwarded it.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trust: TrustProxy): string {
  const socket = normalizeAddress(socketAddress) ?? socketAddress ?? 'unknown';
  if (trust.kind === 'off' || forwardedFor === undefined) return socket;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const forwarded = header.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  // The chain as the nearest hop sees it: the socket last.
  const chain = [...forwarded, socket];
  if (trust.kind === 'hops') {
    let position = chain.length - 1;
    for (let hop = 0; hop < trust.hops && position > 0; hop++) {
      const next = normalizeAddress(chain[position - 1]);
      if (!next) break;
      position--;
      chain[position] = next;
    }
    return chain[position];
  }
  let client = socket;
  for (let position = chain.length - 2; position >= 0; position--) {
    if (!isTrusted(trust.ranges, client)) break;
    const next = normalizeAddress(chain[position]);
    if (!next) break;
    client = next;
  }
  return client;
}
