import type { Socket } from 'node:net';

/**
 * Every socket the API servers accepted, and which of them were hijacked. `server.close()`
 * neither closes keep-alive connections nor hijacked ones: shutdown destroys them here.
 */
export class ConnectionTracker {
  private readonly sockets = new Set<Socket>();
  private readonly hijacked = new Set<Socket>();

  track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.hijacked.delete(socket);
    });
  }

  markHijacked(socket: Socket): void {
    this.hijacked.add(socket);
    if (!this.sockets.has(socket)) this.track(socket);
  }

  get hijackedCount(): number {
    return this.hijacked.size;
  }

  get size(): number {
    return this.sockets.size;
  }

  destroyHijacked(): void {
    for (const s of this.hijacked) s.destroy();
  }

  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}
