// `npm run bench`: the speed figures of the node pack, each measured side by side with its baseline in
// the same run (medians of several rounds; machines here are noisy, so read the ratios).
import helper from 'node-red-node-test-helper';
import { benchCodeMap } from './code-map.bench';
import { benchIngest, ingestNotes } from './ingest.bench';
import { benchLegacyDbPoll, legacyDbPollNotes } from './legacy-db-poll.bench';
import { benchOee } from './oee.bench';
import { benchOrderFetch } from './order-fetch.bench';
import { benchErpPresets } from './erp-presets.bench';
import { benchHa } from './ha.bench';
import { benchOpcua } from './opcua.bench';
import { benchProgressPush, progressPushNotes } from './progress-push.bench';
import { table } from './stats';
import { benchTrace } from './trace.bench';
import { benchWorkflows } from './workflows.bench';

helper.init(require.resolve('node-red'));

// `npm run bench -- legacy` runs only the benches whose name contains one of the words given.
const benches: Array<[name: string, run: () => Promise<Array<Record<string, string>>>]> = [
  ['code-map', benchCodeMap],
  ['order-fetch', benchOrderFetch],
  ['erp-presets', benchErpPresets],
  ['legacy-db-poll', benchLegacyDbPoll],
  ['progress-push', benchProgressPush],
  ['trace', benchTrace],
  ['opcua', benchOpcua],
  ['workflows', benchWorkflows],
  ['oee', benchOee],
  ['ingest', benchIngest],
  ['ha', benchHa],
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  await helper.startServer();
  const rows: Array<Record<string, string>> = [];
  try {
    for (const [name, run] of benches) if (wanted.length === 0 || wanted.some((w) => name.includes(w))) rows.push(...(await run()));
  } finally {
    await helper.stopServer();
  }
  console.log(`\nERP–MES Bridge benchmark (node ${process.version}, ${new Date().toISOString()})\n`);
  console.log(table(rows));
  if (legacyDbPollNotes.length > 0) console.log(`\n${legacyDbPollNotes.join('\n')}`);
  if (progressPushNotes.length > 0) console.log(`\n${progressPushNotes.join('\n')}`);
  if (ingestNotes.length > 0) console.log(`\n${ingestNotes.join('\n')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
