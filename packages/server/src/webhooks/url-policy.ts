import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may point (SSRF): the platform must not be made to POST into its own network.
 * By default only https to public addresses; with allowPrivateNetworks (HEARTH_WEBHOOKS_ALLOW_PRIVATE),
 * also loopback, link-local and private addresses, and plain http to them. The same check runs when
 * the URL is set (create, update) and again before every delivery, and every address a host name
 * resolves to at delivery is checked too (a name that later resolves to a private address is
 * refused then).
 *
 * Every spelling of an address is judged as the address it is: the WHATWG URL parser already turns
 * decimal, octal and hex IPv4 (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`) into dotted form and
 * writes IPv6 in its shortest form, and BlockList judges an IPv4-mapped IPv6 address
 * (`::ffff:10.0.0.1`) by its IPv4 rules. IPv6 prefixes that carry or reach an IPv4 address by a
 * transition mechanism (IPv4-compatible `::/96`, SIIT, NAT64, 6to4, Teredo) are refused whole: they
 * are deprecated or local, and a relay could carry the request to any IPv4 address behind them.
 */

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24],
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback and IPv4-compatible (::127.0.0.1, deprecated)
  ['::ffff:0:0:0', 96], // SIIT IPv4-translated
  ['64:ff9b::', 96], // NAT64 well-known prefix
  ['64:ff9b:1::', 48], // NAT64 local-use prefix
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo: tunnels to an IPv4 address
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address (deprecated)
  ['3fff::', 20], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/**
 * Loopback, link-local, private, shared, documentation, multicast, unspecified, or an IPv6 address
 * that embeds or tunnels to an IPv4 one. An IPv4-mapped address (::ffff:a.b.c.d, in any spelling)
 * is judged as the IPv4 address.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return PRIVATE.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** Names that mean this machine or a local network, whatever DNS says. */
const LOCAL_NAME = /(^|\.)(localhost|local|internal|localdomain|home\.arpa|lan)$/i;

/**
 * The host a URL names, as it is judged: without IPv6 brackets and without trailing dots
 * (`localhost.` is the fully qualified `localhost`).
 */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
}

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
  const host = hostOf(url);
  const local = isPrivateAddress(host) || LOCAL_NAME.test(host) || (isIP(host) === 0 && !host.includes('.'));
  if (local && !allowPrivateNetworks) {
    return `points at a loopback, link-local or private host (${host || url.hostname}), which this server refuses (HEARTH_WEBHOOKS_ALLOW_PRIVATE)`;
  }
  if (url.protocol === 'http:' && !local) {
    return 'must be https (plain http only to a private host, where HEARTH_WEBHOOKS_ALLOW_PRIVATE allows it)';
  }
  return undefined;
}
