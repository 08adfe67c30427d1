#!/usr/bin/env node
/**
 * The drift check of `src/format/docker-types.ts` (the Go types docker CLI 28 decodes inspect
 * answers into, written by hand), as a maintenance tool of this package, not part of its API:
 * run by the e2e test `cli-docker-types.test.ts` on berthd's live inspect answers.
 *
 * stdin: JSON `{ "answers": [{ "label", "kind": "container"|"image"|"volume"|"network" (inspect),
 * "info"|"version"|"df" (GET /info, /version, /system/df), "body" }],
 * "ignore": ["Config.Image", ...] }`, each `body` an answer's text as the daemon sent it (read
 * with int64s past 2^53 exact, as the CLI reads answers). stdout: one line per key the type has
 * no field for or value of the wrong JSON kind (goTypeDrift), prefixed by its label; exit 1 when
 * there is any, 0 when none. Needs the package built (dist/).
 */
'use strict';
const { parseJsonExact } = require('@berth/api');
const { ANSWER_TYPES, INSPECT_TYPES, goTypeDrift } = require('../dist/format/docker-types');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const { answers, ignore = [] } = JSON.parse(input);
  const drift = [];
  for (const a of answers) {
    const type = INSPECT_TYPES[a.kind] ?? ANSWER_TYPES[a.kind];
    if (!type) throw new Error(`unknown answer kind ${a.kind}`);
    const v = parseJsonExact(a.body, { bigintsOnly: true });
    for (const m of goTypeDrift(v, type, new Set(ignore))) drift.push(`${a.label}: ${m}`);
  }
  for (const line of drift) process.stdout.write(`${line}\n`);
  process.exitCode = drift.length ? 1 : 0;
});
