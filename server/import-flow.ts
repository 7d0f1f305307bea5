// CLI: imports one plant's flow file into a running bridge through Node-RED's Admin API, or rolls it back.
//   node dist/server/import-flow.js <flow-file> [--plant plant-1010.json|.env] [--reason TEXT] [--dry-run] [--replace-all]
//   node dist/server/import-flow.js --rollback [snapshot]      restores the latest (or the named) snapshot
//   node dist/server/import-flow.js --list-snapshots | --compare <snapshot> [<snapshot>] | --versions (kept by the bridge)
// Common: [--url URL] [--user NAME] [--snapshots DIR] [--keep N] [--deployment-type nodes|flows|full].
// The password comes from BRIDGE_ADMIN_PASSWORD only (a flag would show in `ps` and shell history). The file is
// checked before anything is deployed (flow-checks.ts); the deploy restarts only changed nodes; a snapshot of what
// ran is kept before every deploy (flow-snapshots.ts). Failures print sentences on stderr and exit 1.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { AdminApi, answerText, ImportError } from './admin-client';
import { checkFlowFile } from './flow-checks';
import { describeDiff, diffFlows } from './flow-diff';
import { describePlan, FlowFileError, installedNodeTypes, parseFlowFile, planImport, sameNode, type FlowNode, type ImportMode } from './flow-import';
import { DEFAULT_KEEP, SnapshotError, snapshotFolder, SnapshotShelf, type Snapshot } from './flow-snapshots';
import { configCollisions, idsForPlant, parsePlantFile, substitutePlantValues } from './plant-values';

const USAGE =
  'usage: node dist/server/import-flow.js <flow-file> [--plant FILE] [--reason TEXT] [--dry-run] [--replace-all] | --rollback [SNAPSHOT] | --list-snapshots | --versions | --compare SNAPSHOT [SNAPSHOT]; with [--url URL] [--user admin] [--snapshots DIR] [--keep N]';
const DEPLOYMENT_TYPES = ['nodes', 'flows', 'full'] as const;

type Command = 'import' | 'rollback' | 'list' | 'compare' | 'versions';

interface Options {
  command: Command;
  args: string[];
  url: string;
  user: string;
  password: string | undefined;
  mode: ImportMode;
  dryRun: boolean;
  plantFile?: string;
  reason?: string;
  shelf: SnapshotShelf;
  keep: number;
  deploymentType: (typeof DEPLOYMENT_TYPES)[number];
}

function readOptions(argv: string[], env: NodeJS.ProcessEnv): Options | 'help' {
  if (argv.some((a) => a === '--password' || a.startsWith('--password='))) {
    throw new ImportError('--password is not accepted (it would show in the process list and shell history); set BRIDGE_ADMIN_PASSWORD instead.');
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        user: { type: 'string' },
        'replace-all': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        plant: { type: 'string' },
        reason: { type: 'string' },
        snapshots: { type: 'string' },
        keep: { type: 'string' },
        'deployment-type': { type: 'string' },
        rollback: { type: 'boolean' },
        'list-snapshots': { type: 'boolean' },
        versions: { type: 'boolean' },
        compare: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new ImportError(`${(err as Error).message.split(/\.\s/)[0]} (${USAGE})`);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const command: Command = v.rollback ? 'rollback' : v['list-snapshots'] ? 'list' : v.compare ? 'compare' : v.versions ? 'versions' : 'import';
  const count = parsed.positionals.length;
  const allowed = { import: [1, 1], rollback: [0, 1], list: [0, 0], compare: [1, 2], versions: [0, 0] }[command];
  if (count < allowed[0]! || count > allowed[1]!) {
    throw new ImportError(command === 'import' ? `give exactly one flow file, got ${count} (${USAGE})` : `--${command === 'list' ? 'list-snapshots' : command} takes ${allowed.join(' to ')} snapshot names, got ${count} (${USAGE})`);
  }
  const url = (v.url ?? env.BRIDGE_URL?.trim() ?? '') || `http://127.0.0.1:${env.PORT?.trim() || '1880'}`;
  try {
    new URL(url);
  } catch {
    throw new ImportError(`the bridge URL "${url}" is not a URL (give --url http://host:port or set BRIDGE_URL).`);
  }
  const keep = v.keep === undefined ? DEFAULT_KEEP : Number(v.keep);
  if (!Number.isInteger(keep) || keep < 1) throw new ImportError(`--keep must be a whole number of snapshots of at least 1, not "${v.keep}".`);
  const deploymentType = (v['deployment-type'] ?? 'nodes') as Options['deploymentType'];
  if (!DEPLOYMENT_TYPES.includes(deploymentType)) throw new ImportError(`--deployment-type must be one of ${DEPLOYMENT_TYPES.join(', ')}, not "${deploymentType}".`);
  const reason = v.reason?.trim();
  return {
    command,
    args: parsed.positionals,
    url: url.replace(/\/+$/, ''),
    user: v.user ?? 'admin',
    password: env.BRIDGE_ADMIN_PASSWORD || undefined,
    mode: v['replace-all'] ? 'replace-all' : 'merge-by-tab',
    dryRun: v['dry-run'] ?? false,
    ...(v.plant !== undefined && { plantFile: v.plant }),
    ...(reason && { reason }),
    shelf: new SnapshotShelf(snapshotFolder(v.snapshots ?? env.BRIDGE_SNAPSHOT_DIR?.trim() ?? 'flow-snapshots', url)),
    keep,
    deploymentType,
  };
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImportError(code === 'ENOENT' ? `${what} ${file} does not exist.` : `${what} ${file} could not be read: ${(err as Error).message}.`);
  }
}

/** The file's nodes with the plant's values filled in and, when the plant is named, ids of that plant. */
function plantFlow(o: Options, out: (line: string) => void): FlowNode[] {
  const nodes = parseFlowFile(readText(o.args[0]!, 'The flow file'), o.args[0]!);
  if (!o.plantFile) return nodes;
  let plant;
  try {
    plant = parsePlantFile(readText(o.plantFile, 'The plant file'), o.plantFile);
  } catch (err) {
    throw err instanceof ImportError ? err : new ImportError((err as Error).message);
  }
  const { nodes: filled, leftToEnvironment } = substitutePlantValues(nodes, plant);
  out(`Plant ${plant.plant ?? '(unnamed)'}: ${Object.keys(plant.values).length} values from ${o.plantFile}${plant.plant ? ', node ids made for this plant' : ''}.`);
  if (leftToEnvironment.length > 0) out(`  left to the bridge's environment: ${leftToEnvironment.map((n) => `\${${n}}`).join(', ')}`);
  return plant.plant ? idsForPlant(filled, plant.plant) : filled;
}

async function regulated(api: AdminApi): Promise<boolean> {
  const res = await api.request('GET', '/api/changes/policy', { headers: { accept: 'application/json' } });
  // A Node-RED without the bridge's change control has no such route: nothing asks for a reason there.
  if (!res.ok) return false;
  return ((await res.json()) as { regulated?: boolean }).regulated === true;
}

async function deploy(api: AdminApi, o: Options, current: { rev: string; flows: FlowNode[] }, flows: FlowNode[], source: { kind: 'import-flow' | 'rollback'; file: string; before: string }, out: (line: string) => void): Promise<string> {
  const snap = o.shelf.save({ target: o.url, rev: current.rev, before: source.before, flows: current.flows }, o.keep);
  out(`Snapshot of what ran before: ${snap.name} (in ${o.shelf.folder}).`);
  // The rev makes Node-RED refuse (409) if someone deployed after we read the flows.
  const res = await api.request('POST', '/flows', {
    headers: {
      'content-type': 'application/json',
      'Node-RED-API-Version': 'v2',
      'Node-RED-Deployment-Type': o.deploymentType,
      'X-Change-Source': source.kind,
      'X-Change-File': encodeURIComponent(source.file),
      ...(o.reason && { 'X-Change-Reason': encodeURIComponent(o.reason) }),
    },
    body: JSON.stringify({ rev: current.rev, flows }),
  });
  if (res.status === 409) {
    throw new ImportError(`someone deployed to ${o.url} while this import was running, so nothing was deployed (their changes are kept); run the import again.`);
  }
  if (res.status === 401 || res.status === 403) {
    throw new ImportError(`the bridge at ${o.url} refused the deploy (HTTP ${res.status}): "${o.user}" may not change flows; use an admin user.`);
  }
  if (!res.ok) throw new ImportError(`deploying to ${o.url} failed with HTTP ${res.status}: ${await answerText(res)}`);
  return ((await res.json()) as { rev: string }).rev;
}

async function importFlow(api: AdminApi, o: Options, out: (line: string) => void): Promise<void> {
  const file = o.args[0]!;
  const fileNodes = plantFlow(o, out);
  const nodeSets = await api.json<unknown>('GET', '/nodes');
  const current = await api.json<{ rev: string; flows: FlowNode[] }>('GET', '/flows', { headers: { 'Node-RED-API-Version': 'v2' } });
  const plan = planImport(current.flows, fileNodes, o.mode);
  const fileIds = new Set(fileNodes.map((n) => n.id));
  const keptNodes = plan.flows.filter((n) => !fileIds.has(n.id));
  const problems = checkFlowFile(fileNodes, { installedTypes: installedNodeTypes(nodeSets), keptNodes, file, target: o.url });
  if (o.mode === 'merge-by-tab') {
    for (const c of configCollisions(current.flows, fileNodes, sameNode)) {
      const tabs = [...new Set(c.users.map((u) => u.tab))].map((t) => `"${t}"`).join(', ');
      problems.push(
        `the ${c.type} "${c.id}" of ${file} has the id of a different ${c.type} on the server that ${c.users.length} node${c.users.length === 1 ? '' : 's'} on tab${c.users.length === 1 ? '' : 's'} ${tabs} use${c.users.length === 1 ? 's' : ''}; importing would rewire them to this file's settings. Import with a plant file naming the plant (--plant, "plant": "…") so the ids are made per plant, or give the node another id.`,
      );
    }
  }
  if (problems.length > 0) throw new ImportError(`${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was deployed:`, problems);
  if (!o.dryRun && !o.reason && (await regulated(api))) {
    throw new ImportError(`the bridge at ${o.url} runs in regulated mode: give the reason for this change with --reason "…"; nothing was deployed.`);
  }

  out(`${o.dryRun ? 'Dry run: ' : ''}importing ${file} into ${o.url} (${o.mode === 'replace-all' ? 'replace all flows' : 'merge by tab'})`);
  for (const line of describePlan(plan)) out(line);
  if (o.dryRun) {
    out('Field changes (node, property: old → new):');
    for (const line of describeDiff(diffFlows(current.flows, plan.flows))) out(line);
    out(plan.unchanged ? 'Dry run: the server already runs exactly this; nothing would change.' : 'Dry run: nothing was deployed.');
    return;
  }
  if (plan.unchanged) {
    out(`The server already runs exactly this flow; nothing deployed (rev ${current.rev}).`);
    return;
  }
  const rev = await deploy(api, o, current, plan.flows, { kind: 'import-flow', file: basename(file), before: `import of ${basename(file)}` }, out);
  const tabs = plan.flows.filter((n) => n.type === 'tab').length;
  out(`Deployed ${file} to ${o.url}: the server now runs ${plan.nodesAfter} nodes on ${tabs} tab${tabs === 1 ? '' : 's'} (rev ${rev}); only changed nodes were restarted (${o.deploymentType}).`);
}

async function rollback(api: AdminApi, o: Options, out: (line: string) => void): Promise<void> {
  const current = await api.json<{ rev: string; flows: FlowNode[] }>('GET', '/flows', { headers: { 'Node-RED-API-Version': 'v2' } });
  const differs = (flows: FlowNode[]) => !planImport(current.flows, flows, 'replace-all').unchanged;
  // By default the newest snapshot that is not what runs now: the state before the last deploy.
  const name = o.args[0] ?? [...o.shelf.names()].reverse().find((n) => differs(o.shelf.read(n).flows));
  if (!name) throw new ImportError(`there is no snapshot in ${o.shelf.folder} that differs from what ${o.url} runs; nothing to roll back to.`);
  const target = o.args[0] && !o.shelf.names().includes(o.args[0]) ? await bridgeVersion(api, o, o.args[0]) : o.shelf.read(name);
  if (!o.dryRun && !o.reason && (await regulated(api))) {
    throw new ImportError(`the bridge at ${o.url} runs in regulated mode: give the reason for the rollback with --reason "…"; nothing was deployed.`);
  }
  out(`${o.dryRun ? 'Dry run: ' : ''}rolling ${o.url} back to snapshot ${target.name} (taken ${target.takenAt}, before ${target.before}):`);
  for (const line of describeDiff(diffFlows(current.flows, target.flows))) out(line);
  if (o.dryRun || !differs(target.flows)) {
    out(o.dryRun ? 'Dry run: nothing was deployed.' : `The server already runs snapshot ${target.name}; nothing deployed.`);
    return;
  }
  const rev = await deploy(api, o, current, target.flows, { kind: 'rollback', file: target.name, before: `rollback to ${target.name}` }, out);
  out(`Rolled ${o.url} back to snapshot ${target.name} (rev ${rev}); only changed nodes were restarted (${o.deploymentType}).`);
}

/** A version the bridge kept of its own deploys (server/flow-versions.ts), as a snapshot to restore. */
async function bridgeVersion(api: AdminApi, o: Options, name: string): Promise<Snapshot> {
  const res = await api.request('GET', `/api/changes/versions/${encodeURIComponent(name)}`, { headers: { accept: 'application/json' } });
  if (res.status === 404) throw new ImportError(`there is no snapshot "${name}" in ${o.shelf.folder}, nor a version "${name}" kept by ${o.url}.`);
  if (!res.ok) throw new ImportError(`GET ${o.url}/api/changes/versions/${name} failed with HTTP ${res.status}: ${await answerText(res)}`);
  const v = (await res.json()) as { name: string; takenAt: string; rev: string; note: string; flows: FlowNode[] };
  return { name: v.name, takenAt: v.takenAt, target: o.url, rev: v.rev, before: `version kept by the bridge: ${v.note}`, flows: v.flows };
}

async function snapshots(api: AdminApi | undefined, o: Options, out: (line: string) => void): Promise<void> {
  if (o.command === 'list') {
    const names = o.shelf.names();
    if (names.length === 0) out(`No snapshots of ${o.url} in ${o.shelf.folder}.`);
    for (const name of names) {
      const s = o.shelf.read(name);
      out(`${s.name}  taken ${s.takenAt}  rev ${s.rev}  ${s.flows.length} nodes  before ${s.before}`);
    }
    return;
  }
  if (o.command === 'versions') {
    const { items } = await api!.json<{ items: Array<{ name: string; takenAt: string; nodes: number; note: string }> }>('GET', '/api/changes/versions');
    if (items.length === 0) out(`${o.url} keeps no versions yet.`);
    for (const v of items) out(`${v.name}  deployed ${v.takenAt}  ${v.nodes} nodes  ${v.note}`);
    return;
  }
  const older = o.shelf.read(o.args[0]!);
  const newer = o.args[1] ? o.shelf.read(o.args[1]) : { name: `what ${o.url} runs now`, flows: (await api!.json<{ flows: FlowNode[] }>('GET', '/flows', { headers: { 'Node-RED-API-Version': 'v2' } })).flows };
  out(`From snapshot ${older.name} to ${newer.name}:`);
  for (const line of describeDiff(diffFlows(older.flows, newer.flows))) out(line);
}

async function main(): Promise<void> {
  const o = readOptions(process.argv.slice(2), process.env);
  const out = (line: string) => process.stdout.write(line + '\n');
  if (o === 'help') {
    out(`${USAGE}\nThe password is read from BRIDGE_ADMIN_PASSWORD; the URL defaults to BRIDGE_URL or http://127.0.0.1:$PORT (1880); snapshots go to BRIDGE_SNAPSHOT_DIR or ./flow-snapshots.`);
    return;
  }
  if (o.command === 'list') return snapshots(undefined, o, out);
  const api = new AdminApi(o.url);
  try {
    await api.login(o.user, o.password);
    if (o.command === 'import') await importFlow(api, o, out);
    else if (o.command === 'rollback') await rollback(api, o, out);
    else await snapshots(api, o, out);
  } finally {
    await api.logout();
  }
}

main().catch((err: Error) => {
  const known = err instanceof ImportError || err instanceof FlowFileError || err instanceof SnapshotError;
  const message = `Flow import failed: ${known ? err.message : `unexpected error: ${err.message}`}`;
  const problems = err instanceof ImportError ? err.problems : [];
  process.stderr.write([message.replace(/\s*\n\s*/g, ' '), ...problems.map((p) => `  - ${p}`)].join('\n') + '\n');
  process.exitCode = 1;
});
