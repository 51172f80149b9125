/**
 * Authentication restrictions (createUser / createRole `authenticationRestrictions`), as mongod
 * checks them: each restriction document lists `clientSource` and/or `serverAddress` entries (IP
 * addresses or CIDR ranges); a connection meets a document when its client address is in one of the
 * `clientSource` entries and the address it connected to is in one of the `serverAddress` entries
 * (a missing field is no constraint). A user, and each role granted to it, with restriction
 * documents is met when at least one of its documents is. IP parsing and CIDR matching from
 * npm:ipaddr.js. Pure.
 */
import ipaddr from "ipaddr.js";
import type { Document as Doc } from "../bson/document.ts";

const FIELDS = ["clientSource", "serverAddress"] as const;

type Address = ReturnType<typeof ipaddr.process>;

function parseRange(s: string): [Address, number] {
  if (s.includes("/")) {
    const [a, bits] = ipaddr.parseCIDR(s);
    return [a, bits];
  }
  const a = ipaddr.parse(s);
  return [a, a.kind() === "ipv4" ? 32 : 128];
}

/** Why `list` is not a valid `authenticationRestrictions` value, or undefined when it is. */
export function restrictionsError(list: unknown): string | undefined {
  if (!Array.isArray(list)) return "authenticationRestrictions must be an array";
  for (const r of list) {
    if (r === null || typeof r !== "object" || Array.isArray(r)) {
      return "authenticationRestrictions must contain only documents";
    }
    for (const [k, v] of Object.entries(r as Doc)) {
      if (!(FIELDS as readonly string[]).includes(k)) return `Unknown restriction field '${k}'`;
      if (!Array.isArray(v)) return `'${k}' must be an array of IP addresses or CIDR ranges`;
      for (const e of v) {
        if (typeof e !== "string") return `'${k}' must be an array of IP addresses or CIDR ranges`;
        try {
          parseRange(e);
        } catch {
          return `'${e}' is not a valid IP address or CIDR range`;
        }
      }
    }
  }
  return undefined;
}

/** The IP of `host:port` / `[v6]:port` / a bare address, IPv4-mapped IPv6 unwrapped; null if not an IP. */
export function addressOf(hostPort: string | undefined): Address | null {
  if (!hostPort) return null;
  let host = hostPort;
  if (host.startsWith("[")) host = host.slice(1, host.indexOf("]"));
  else if (host.split(":").length === 2) host = host.slice(0, host.lastIndexOf(":"));
  try {
    return ipaddr.process(host);
  } catch {
    return null;
  }
}

function inAny(addr: Address | null, entries: readonly string[]): boolean {
  if (!addr) return false;
  return entries.some((e) => {
    const [range, bits] = parseRange(e);
    const r = range.kind() === "ipv6" && (range as ipaddr.IPv6).isIPv4MappedAddress()
      ? (range as ipaddr.IPv6).toIPv4Address()
      : range;
    return r.kind() === addr.kind() && addr.match(r, r.kind() === range.kind() ? bits : bits - 96);
  });
}

function meetsDocument(r: Doc, client: Address | null, server: Address | null): boolean {
  const cs = r["clientSource"];
  const sa = r["serverAddress"];
  if (Array.isArray(cs) && !inAny(client, cs as string[])) return false;
  if (Array.isArray(sa) && !inAny(server, sa as string[])) return false;
  return true;
}

/** Whether a connection from `client` to `server` meets a user's (or role's) restriction documents. */
export function meetsRestrictions(
  docs: readonly Doc[] | undefined,
  client: Address | null,
  server: Address | null,
): boolean {
  if (!docs || docs.length === 0) return true;
  return docs.some((r) => meetsDocument(r, client, server));
}
