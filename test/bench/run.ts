// `npm run bench`: the speed figures of the node pack, each measured side by side with its baseline in
// the same run (medians of several rounds; machines here are noisy, so read the ratios).
import helper from 'node-red-node-test-helper';
import { benchCodeMap } from './code-map.bench';
import { benchOrderFetch } from './order-fetch.bench';
import { table } from './stats';

helper.init(require.resolve('node-red'));

async function main(): Promise<void> {
  await helper.startServer();
  const rows: Array<Record<string, string>> = [];
  try {
    rows.push(...(await benchCodeMap()));
    rows.push(...(await benchOrderFetch()));
  } finally {
    await helper.stopServer();
  }
  console.log(`\nERP–MES Bridge benchmark (node ${process.version}, ${new Date().toISOString()})\n`);
  console.log(table(rows));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
