// Runs the GraphQL over HTTP conformance audit of the `graphql-http` package (its `serverAudits`)
// against a running Docket and prints each result. Exits 1 when any MUST or SHOULD audit fails;
// MAY audits are reported only.
//
//   node http-audit.mjs http://127.0.0.1:8000/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2] ?? 'http://127.0.0.1:8000/graphql';
const results = await Promise.all(serverAudits({ url }).map((audit) => audit.fn()));
const tally = {};
let failed = 0;
for (const result of results) {
  const level = result.name.split(' ')[0];
  tally[level] ??= { ok: 0, of: 0 };
  tally[level].of += 1;
  if (result.status === 'ok') {
    tally[level].ok += 1;
  } else {
    const fatal = level === 'MUST' || level === 'SHOULD';
    if (fatal) failed += 1;
    const detail = result.reason ?? '';
    console.log(`${fatal ? 'FAIL' : 'note'} ${result.id} ${result.name}: ${detail}`);
  }
}
for (const [level, { ok, of }] of Object.entries(tally)) console.log(`graphql-http audit: ${level} ${ok}/${of}`);
process.exit(failed === 0 ? 0 : 1);
