import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may point (SSRF): the platform must not be made to POST into its own network.
 * By default only https to public addresses; with allowPrivateNetworks (HEARTH_WEBHOOKS_ALLOW_PRIVATE),
 * also loopback, link-local and private addresses, and plain http to them. The URL is checked when
 * it is set, and every address its host name resolves to is checked again at delivery (a name that
 * later resolves to a private address is refused then).
 */

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** Loopback, link-local, private, shared, documentation, multicast or unspecified. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 one.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (mapped) return PRIVATE.check(mapped, 'ipv4');
    return PRIVATE.check(address, 'ipv6');
  }
  return PRIVATE.check(address, 'ipv4');
}

/** Names that mean this machine or a local network, whatever DNS says. */
const LOCAL_NAME = /(^|\.)(localhost|local|internal|localdomain|home\.arpa|lan)$/i;

/** The problem with a webhook URL, in a sentence; undefined when it may be used. */
export function urlProblem(text: string, allowPrivateNetworks: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not an absolute URL (https://…)';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must be https, not ${url.protocol}`;
  if (url.username || url.password) {
    return 'must not hold credentials (user:password@): deliveries are authenticated by their signature';
  }
  if (url.hash) return 'must not have a #fragment';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const local = isPrivateAddress(host) || LOCAL_NAME.test(host) || (isIP(host) === 0 && !host.includes('.'));
  if (local && !allowPrivateNetworks) {
    return `points at a loopback, link-local or private host (${host}), which this server refuses (HEARTH_WEBHOOKS_ALLOW_PRIVATE)`;
  }
  if (url.protocol === 'http:' && !local) {
    return 'must be https (plain http only to a private host, where HEARTH_WEBHOOKS_ALLOW_PRIVATE allows it)';
  }
  return undefined;
}
