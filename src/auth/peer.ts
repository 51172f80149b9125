/** Peer addresses as the connection layer formats them (`host:port`, `[v6]:port`). Pure. */

/** A loopback peer (127.0.0.0/8, ::1, IPv4-mapped 127.x). */
export function isLoopback(remoteAddress: string): boolean {
  return remoteAddress.startsWith("127.") || remoteAddress.startsWith("[::1]") ||
    remoteAddress.startsWith("::1") || remoteAddress.startsWith("[::ffff:127.");
}

/** The host part of `host:port` / `[v6]:port`. */
export function peerHost(remoteAddress: string): string {
  if (remoteAddress.startsWith("[")) return remoteAddress.slice(1, remoteAddress.indexOf("]"));
  const i = remoteAddress.lastIndexOf(":");
  return i < 0 ? remoteAddress : remoteAddress.slice(0, i);
}
