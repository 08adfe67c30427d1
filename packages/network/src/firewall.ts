import { type FirewallState, nftDeleteScript, nftScript } from './nft-rules';
import { runCommand } from './run-command';

const DELETED = '<deleted>';

/** Applies the firewall table: one `nft -f -` per change, skipped when nothing changed. */
export class Firewall {
  private last = '';

  constructor(private readonly apply: (script: string) => Promise<void> = (s) => runCommand('nftables', 'nft', ['-f', '-'], s).then(() => undefined)) {}

  /**
   * Writes the table for `state`. With no bridge network and no port, the table is removed
   * when berth made it in this process, and nothing is touched otherwise (berthd -b none
   * with no network leaves the host's firewall alone).
   */
  async sync(state: FirewallState): Promise<void> {
    if (!state.networks.length && !state.ports.length) {
      if (this.last === '' || this.last === DELETED) return;
      await this.apply(nftDeleteScript());
      this.last = DELETED;
      return;
    }
    const script = nftScript(state);
    if (script === this.last) return;
    await this.apply(script);
    this.last = script;
  }

  /** Forget what was applied (the next sync writes the table again, or removes a stale one). */
  reset(): void {
    this.last = 'unknown';
  }
}
