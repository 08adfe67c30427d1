import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import type { JsonMessage } from '@berth/api';
import { printJsonMessages } from './json-messages-output';

async function* from(ms: JsonMessage[]): AsyncIterable<JsonMessage> {
  for (const m of ms) yield m;
}

async function render(ms: JsonMessage[], terminal: boolean, columns = 200): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (b: Buffer) => chunks.push(b));
  await printJsonMessages(from(ms), out, { terminal, columns, now: () => 0 });
  return Buffer.concat(chunks).toString();
}

const pull: JsonMessage[] = [
  { status: 'Pulling from trace/built', id: 'v1' },
  { status: 'Already exists', progressDetail: {}, id: 'dbca4f051df5' },
  { status: 'Pulling fs layer', progressDetail: {}, id: '6db54d1bf835' },
  { status: 'Downloading', progressDetail: { current: 500, total: 1000 }, id: 'dbca4f051df5' },
  { status: 'Pull complete', progressDetail: {}, id: '6db54d1bf835' },
  { status: 'Digest: sha256:ac18' },
  { status: 'Status: Downloaded newer image for 127.0.0.1:5000/trace/built:v1' },
];

describe('printJsonMessages', () => {
  it('not a terminal: plain lines, progress updates skipped (as trace 166-pull-layers)', async () => {
    expect(await render(pull, false)).toBe(
      [
        'v1: Pulling from trace/built',
        'dbca4f051df5: Already exists',
        '6db54d1bf835: Pulling fs layer',
        '6db54d1bf835: Pull complete',
        'Digest: sha256:ac18',
        'Status: Downloaded newer image for 127.0.0.1:5000/trace/built:v1',
        '',
      ].join('\n'),
    );
  });

  it('a terminal: one line per layer, rewritten in place with the bar (pkg/jsonmessage)', async () => {
    const E = '\x1b';
    expect(await render(pull, true)).toBe(
      'v1: Pulling from trace/built\n' +
        `\n${E}[1A${E}[2K\rdbca4f051df5: Already exists \r${E}[1B` +
        `\n${E}[1A${E}[2K\r6db54d1bf835: Pulling fs layer \r${E}[1B` +
        `${E}[2A${E}[2K\rdbca4f051df5: Downloading [=========================>                         ]     500B/1kB\r${E}[2B` +
        `${E}[1A${E}[2K\r6db54d1bf835: Pull complete \r${E}[1B` +
        'Digest: sha256:ac18\n' +
        'Status: Downloaded newer image for 127.0.0.1:5000/trace/built:v1\n',
    );
  });

});
