import { describe, expect, it } from '@jest/globals';
import { displayablePorts } from './ports';

describe('displayablePorts', () => {
  it('reproduces 40-ps', () => {
    expect(
      displayablePorts([
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 38080, Type: 'tcp' },
        { IP: '::', PrivatePort: 80, PublicPort: 38080, Type: 'tcp' },
        { IP: '127.0.0.1', PrivatePort: 81, PublicPort: 38081, Type: 'tcp' },
      ]),
    ).toBe('0.0.0.0:38080->80/tcp, [::]:38080->80/tcp, 127.0.0.1:38081->81/tcp');
  });
  it('groups ranges and same-number mappings like docker 28 (checked against the real CLI)', () => {
    expect(
      displayablePorts([
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { PrivatePort: 443, Type: 'tcp' },
        { PrivatePort: 444, Type: 'tcp' },
        { IP: '0.0.0.0', PrivatePort: 90, PublicPort: 90, Type: 'tcp' },
        { IP: '::', PrivatePort: 90, PublicPort: 90, Type: 'tcp' },
      ]),
    ).toBe('0.0.0.0:90->90/tcp, [::]:90->90/tcp, 443-444/tcp, 0.0.0.0:8080->80/tcp');
    expect(displayablePorts(null)).toBe('');
  });
});
