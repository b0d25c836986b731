// The bound on an https connection's TLS handshake. Node's own
// (handshakeTimeout, 120 s by default) is fixed when the server is created;
// this one follows the listener's current headers timeout, so a reload that
// changes --headers-timeout applies to the next connection.
//
// Armed on the TCP socket when it connects (before any TLS byte), cleared
// when the handshake completes (the server's secureConnection event, whose
// TLS socket has the same peer address and port) or the socket closes.

import type { Socket } from 'node:net';

export class HandshakeDeadlines {
  private readonly pending = new Map<string, { readonly socket: Socket; readonly timer: NodeJS.Timeout }>();

  /** Destroys `socket` unless its handshake completes within `ms`. */
  arm(socket: Socket, ms: number): void {
    const key = peerKey(socket);
    if (key === undefined) return;
    const timer = setTimeout(() => {
      this.pending.delete(key);
      socket.destroy();
    }, ms);
    // A serving process is kept alive by its server; a stopped one must not be kept by this.
    timer.unref();
    this.pending.set(key, { socket, timer });
    socket.once('close', () => {
      if (this.pending.get(key)?.socket === socket) this.clear(key);
    });
  }

  /** The handshake of the connection from this peer completed. */
  completed(tlsSocket: Socket): void {
    const key = peerKey(tlsSocket);
    if (key !== undefined) this.clear(key);
  }

  private clear(key: string): void {
    const entry = this.pending.get(key);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.pending.delete(key);
  }
}

/** The peer's address and port: unique among one listening socket's open connections. */
function peerKey(socket: Socket): string | undefined {
  const { remoteAddress, remotePort } = socket;
  return remoteAddress === undefined || remotePort === undefined ? undefined : `${remoteAddress} ${remotePort}`;
}
