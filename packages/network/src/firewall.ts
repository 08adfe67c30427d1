import { type FirewallState, nftDeleteScript, nftPortDiffScript, nftScript } from './nft-rules';
import { runCommand } from './run-command';

/**
 * Applies the firewall table: the whole table when the networks change (or first, or after a
 * reset), only the published-port elements when just ports change (a start or stop: a fraction
 * of a millisecond in the kernel); nothing when nothing changed.
 */
export class Firewall {
  /** What is in the kernel: a state, 'none' (berth made no table in this process), 'deleted', or 'unknown' (rewrite). */
  private applied: FirewallState | 'none' | 'deleted' | 'unknown' = 'none';
  /** Changes apply one at a time, in the order they were asked for. */
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly apply: (script: string) => Promise<void> = (s) => runCommand('nftables', 'nft', ['-f', '-'], s).then(() => undefined)) {}

  /**
   * Writes the table for `state`. With no bridge network and no port, the table is removed
   * when berth made it in this process, and nothing is touched otherwise (berthd -b none
   * with no network leaves the host's firewall alone).
   */
  sync(state: FirewallState): Promise<void> {
    const copy: FirewallState = { networks: state.networks.map((n) => ({ ...n })), ports: state.ports.map((p) => ({ ...p })) };
    const p = this.tail.then(() => this.syncNow(copy));
    this.tail = p.catch(() => undefined);
    return p;
  }

  /** Resolves when every change asked for so far is applied. */
  idle(): Promise<void> {
    return this.tail;
  }

  private async syncNow(state: FirewallState): Promise<void> {
    const copy: FirewallState = { networks: state.networks.map((n) => ({ ...n })), ports: state.ports.map((p) => ({ ...p })) };
    if (!state.networks.length && !state.ports.length) {
      if (this.applied === 'none' || this.applied === 'deleted') return;
      await this.apply(nftDeleteScript());
      this.applied = 'deleted';
      return;
    }
    const prev = this.applied;
    if (typeof prev === 'object' && JSON.stringify(prev.networks) === JSON.stringify(copy.networks)) {
      const diff = nftPortDiffScript(prev.ports, copy.ports);
      if (diff) {
        try {
          await this.apply(diff);
        } catch {
          // the kernel's table is not what we think: write it whole
          await this.apply(nftScript(copy));
        }
      }
    } else {
      await this.apply(nftScript(copy));
    }
    this.applied = copy;
  }

  /** Forget what was applied (the next sync writes the table again, or removes a stale one). */
  reset(): void {
    this.applied = 'unknown';
  }
}
