import { describe, expect, it } from '@jest/globals';
import { parseNetDev } from './network-usage';

describe('parseNetDev', () => {
  it('reads each interface but loopback: bytes and errors, receive then transmit', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       0          0',
      '  eth0:    5284      40    3    0    0     0          0         0     1716      19    4    0    0     0       0          0',
      '',
    ].join('\n');
    expect(parseNetDev(text)).toEqual([{ name: 'eth0', rx_bytes: { value: 5284 }, rx_errors: { value: 3 }, tx_bytes: { value: 1716 }, tx_errors: { value: 4 } }]);
  });
});
