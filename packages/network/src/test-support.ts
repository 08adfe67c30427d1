import type { BridgeSpec, HostNet, VethSpec } from './host-net';

/** A HostNet that only records what it was asked (unit tests: nothing on the host). */
export class FakeHostNet implements HostNet {
  readonly bridges = new Map<string, BridgeSpec>();
  readonly netns = new Set<string>();
  readonly veths = new Map<string, VethSpec>();
  readonly calls: string[] = [];
  failAddVeth = false;

  async ensureBridge(b: BridgeSpec) {
    this.calls.push(`bridge ${b.name} ${b.address}`);
    this.bridges.set(b.name, b);
  }
  async deleteBridge(name: string) {
    this.calls.push(`-bridge ${name}`);
    this.bridges.delete(name);
  }
  async createNetns(p: string) {
    this.netns.add(p);
  }
  async deleteNetns(p: string) {
    this.netns.delete(p);
    for (const [k, v] of this.veths) if (v.netnsPath === p) this.veths.delete(k);
  }
  async addVeth(v: VethSpec) {
    if (this.failAddVeth) throw new Error('veth: no');
    this.veths.set(v.hostName, v);
  }
  async deleteLink(name: string) {
    this.veths.delete(name);
  }
  async deleteLinkIn(netnsPath: string, ifname: string) {
    for (const [k, v] of this.veths) if (v.netnsPath === netnsPath && v.ifname === ifname) this.veths.delete(k);
  }
  async setDefaultRoute(netnsPath: string, gateway: string | undefined) {
    this.calls.push(`route ${netnsPath} ${gateway}`);
  }
  async links() {
    return [...this.bridges.keys(), ...this.veths.keys()];
  }
  async enableForwarding() {}
  async enableBridgeFiltering() {}
}
