// Rows/s of a full poll of legacy-db-poll (streamed SELECT, value conversion, pages of 5,000, watermark
// committed in SQLite per page) through a Node-RED runtime, side by side with the bare mysql2 driver
// streaming the same SELECT, on a 1,000,000-row, 12-column plan table in MariaDB; peak RSS of each process;
// then the time of an incremental poll that finds 1,000 changed rows, and the plan MariaDB uses for it.
// Every round runs in a fresh child process (legacy-db-poll-round.ts) so that its peak RSS is its own.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { keysetQuery } from '../../nodes/lib/legacy-db/keyset';
import { mariadbUrl } from '../support/databases';
import { tempDir } from '../support/temp';
import type { PollFigures, RoundInput, RoundResult } from './legacy-db-poll-round';
import { fmt, median } from './stats';

const ROWS = 1_000_000;
const CHANGED = 1_000;
const PAGE = 5_000;
const ROUNDS = 3;
const TABLE = 'prd_plan_op';
const INDEX = 'idx_prd_plan_op_modified';
const WATERMARK = 'modified';
const KEY = 'line_id';

/** Lines for after the table: the plan MariaDB chose for the incremental poll's SELECT. */
export const legacyDbPollNotes: string[] = [];

const run = promisify(execFile);

async function round(mode: 'raw' | 'node', input: RoundInput): Promise<RoundResult> {
  // The test helper finds Node-RED from the working directory: run the child from the repository root.
  const cwd = join(__dirname, '..', '..', '..');
  const { stdout } = await run(process.execPath, [join(__dirname, 'legacy-db-poll-round.js'), mode, JSON.stringify(input)], { cwd, maxBuffer: 64 * 1024 * 1024 });
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as RoundResult;
  } catch {
    throw new Error(`The ${mode} round printed no result line; its output ended with: ${stdout.slice(-500)}`);
  }
}

/** The ERP's routing-operation plan lines (生产订单工序计划): ten operations per order, a datetime(6) change time. */
const CREATE_TABLE = `CREATE TABLE ${TABLE} (
  line_id VARCHAR(32) NOT NULL,
  order_no VARCHAR(20) NOT NULL,
  op_seq SMALLINT NOT NULL,
  material_code VARCHAR(24) NOT NULL,
  product_name VARCHAR(64) NOT NULL,
  work_centre VARCHAR(16) NOT NULL,
  plan_qty DECIMAL(18,4) NOT NULL,
  good_qty DECIMAL(18,4) NOT NULL,
  plan_start DATETIME NOT NULL,
  plan_end DATETIME NOT NULL,
  status VARCHAR(12) NOT NULL,
  modified DATETIME(6) NOT NULL,
  PRIMARY KEY (line_id),
  KEY ${INDEX} (modified, line_id)
) ENGINE=InnoDB`;

const orderNo = (seq: number) => `MO${String(Math.floor(seq / 10)).padStart(8, '0')}`;
const lineId = (seq: number) => `${orderNo(seq)}-${String(((seq % 10) + 1) * 10).padStart(4, '0')}`;

// Filled by the server from its sequence engine in one statement. Four rows share each change time (2.75 s
// apart), so the key breaks ties; line_id here is the same text lineId() builds.
const FILL_TABLE = `INSERT INTO ${TABLE}
SELECT CONCAT('MO', LPAD(s.seq DIV 10, 8, '0'), '-', LPAD((s.seq MOD 10 + 1) * 10, 4, '0')),
  CONCAT('MO', LPAD(s.seq DIV 10, 8, '0')),
  (s.seq MOD 10 + 1) * 10,
  CONCAT('M-', LPAD((s.seq DIV 10) MOD 4999, 6, '0')),
  ELT(1 + (s.seq DIV 10) MOD 8, '一次性使用输液器 DEHP-free', '医用外科口罩 17.5×9.5cm', '一次性使用无菌注射器 5ml', '医用防护服 L号',
    '一次性使用采血针 0.7mm', '医用检查手套 M号 丁腈', '一次性使用导尿包 16Fr', '医用输液贴 6×7cm'),
  ELT(1 + s.seq MOD 10, 'WC-INJ-01', 'WC-INJ-02', 'WC-ASM-01', 'WC-ASM-02', 'WC-WLD-01', 'WC-PKG-01', 'WC-STE-01', 'WC-QC-01', 'WC-PKG-02', 'WC-WH-01'),
  1000 + (s.seq DIV 10) MOD 9000 + 0.5,
  ((s.seq * 37) MOD 10000) / 4,
  TIMESTAMP'2026-01-05 08:00:00' + INTERVAL (s.seq DIV 10) * 300 SECOND,
  TIMESTAMP'2026-01-05 16:00:00' + INTERVAL (s.seq DIV 10) * 300 SECOND,
  ELT(1 + s.seq MOD 4, 'released', 'started', 'completed', 'closed'),
  TIMESTAMP'2026-01-05 08:00:00' + INTERVAL (s.seq DIV 4) * 2750311 MICROSECOND
FROM seq_0_to_${ROWS - 1} s`;

interface PlanLine {
  type: string;
  key: string | null;
  rows: string | number;
  Extra?: string;
}

export async function benchLegacyDbPoll(): Promise<Array<Record<string, string>>> {
  const server = new URL(mariadbUrl());
  const database = `bench_legacy_poll_${randomBytes(4).toString('hex')}`;
  const address = { host: server.hostname || '127.0.0.1', port: Number(server.port || 3306), user: decodeURIComponent(server.username), password: decodeURIComponent(server.password) };
  const url = Object.assign(new URL(server.href), { pathname: `/${database}` }).href;
  const root = await mysql.createConnection({ ...address, charset: 'UTF8MB4_UNICODE_CI', dateStrings: true }).catch((err: Error) => {
    throw new Error(`The legacy-db-poll benchmark needs MariaDB at ${address.host}:${address.port} (MARIADB_URL): ${err.message}`);
  });
  const dir = tempDir('erp-mes-bench-legacy-');
  try {
    await root.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await root.query(`USE \`${database}\``);
    await root.query(CREATE_TABLE);
    await root.query(FILL_TABLE);
    await root.query(`ANALYZE TABLE ${TABLE}`);

    // The SELECT of a full poll, built by the function the poller builds it with; checked against what it issued.
    const full = keysetQuery({ dialect: 'mysql', table: TABLE, watermarkColumn: WATERMARK, keyColumn: KEY });
    const common = { url, table: TABLE, watermarkColumn: WATERMARK, keyColumn: KEY };
    const raw: RoundResult[] = [];
    const ours: RoundResult[] = [];
    const incremental: PollFigures[] = [];
    const rawIncremental: RoundResult[] = [];
    let plan: PlanLine | undefined;
    for (let i = 0; i < ROUNDS; i++) {
      raw.push(await round('raw', { ...common, sql: full.sql, bindings: full.bindings }));
      // After the full poll committed, 1,000 rows spread over the table get a change time later than every
      // other; the next poll of the same (warm) process must deliver exactly them.
      const changed = Array.from({ length: CHANGED }, (_, k) => lineId(k * (ROWS / CHANGED) + 503 + i * 97));
      const stamp = `2026-03-0${i + 1} 09:15:00.${String(123456 + i).padStart(6, '0')}`;
      const thenChange = {
        sql: `UPDATE ${TABLE} SET ${WATERMARK} = ?, status = 'completed', good_qty = plan_qty WHERE ${KEY} IN (?)`,
        bindings: [stamp, changed],
        affects: CHANGED,
        expectRows: CHANGED,
      };
      const result = await round('node', { ...common, storeFile: join(dir.path, `store-${i}.sqlite`), pageSize: PAGE, expectRows: ROWS, thenChange });
      ours.push(result);

      const sql = result.issued?.map((s) => s.sql).join(' / ');
      if (result.rows !== ROWS || raw[i].rows !== ROWS) throw new Error(`A full poll read ${result.rows} rows and the raw driver ${raw[i].rows}, not ${ROWS}.`);
      if (result.issued?.length !== 1 || result.issued[0].sql !== full.sql || result.issued[0].bindings.length !== 0) {
        throw new Error(`The poller streamed '${sql}', not the SELECT the raw driver was given ('${full.sql}').`);
      }
      const next = result.next;
      const came = new Set(next?.keys ?? []);
      const missing = changed.filter((k) => !came.has(k));
      if (!next || next.rows !== CHANGED || came.size !== CHANGED || missing.length > 0) {
        throw new Error(`The incremental poll delivered ${next?.rows} rows; expected exactly the ${CHANGED} changed ones (${missing.length} missing, e.g. ${missing.slice(0, 3).join(', ')}).`);
      }
      incremental.push(next);
      const statement = next.issued?.[0];
      if (!statement || next.issued?.length !== 1) throw new Error(`The incremental poll streamed ${next.issued?.length ?? 0} statements, expected one.`);
      rawIncremental.push(await round('raw', { ...common, sql: statement.sql, bindings: statement.bindings }));

      const [lines] = await root.query(`EXPLAIN ${statement.sql}`, statement.bindings);
      plan = (lines as PlanLine[])[0];
      if (plan.type === 'ALL' || plan.type === 'index' || !plan.key?.split(',').includes(INDEX)) {
        throw new Error(`MariaDB reads the incremental poll's SELECT with a ${plan.type} scan on ${plan.key ?? 'no index'}, not a range on ${INDEX}.`);
      }
      if (i === ROUNDS - 1) {
        const [json] = await root.query(`EXPLAIN FORMAT=JSON ${statement.sql}`, statement.bindings);
        const access = (JSON.parse(String((json as Array<{ EXPLAIN: string }>)[0].EXPLAIN)) as { query_block: { nested_loop?: Array<{ table: Record<string, unknown> }> } }).query_block.nested_loop?.[0]?.table ?? {};
        legacyDbPollNotes.push(
          `legacy-db-poll incremental poll SQL: ${statement.sql}`,
          `  bindings: ${JSON.stringify(statement.bindings)}`,
          `  EXPLAIN: type ${plan.type}, key ${plan.key}, rows ${plan.rows}, Extra ${plan.Extra ?? ''}`,
          `  EXPLAIN FORMAT=JSON: access_type ${String(access.access_type)}, key ${String(access.key)}, used_key_parts ${JSON.stringify(access.used_key_parts)}, rows ${String(access.rows)}`,
          `  full poll SQL (both sides): ${full.sql}`,
        );
      }
    }

    const each = (rs: RoundResult[], rows: number) => rs.map((r) => `${fmt(rows / (r.ms / 1000))} rows/s ${fmt(r.peakRssMb)} MB cpu ${fmt(r.cpuMs)} ms`).join('; ');
    legacyDbPollNotes.push(
      `  full poll rounds, legacy-db-poll: ${each(ours, ROWS)}`,
      `  full poll rounds, mysql2: ${each(raw, ROWS)}`,
      `  incremental poll rounds (ms), legacy-db-poll: ${incremental.map((r) => fmt(r.ms, 1)).join(', ')}; mysql2: ${rawIncremental.map((r) => fmt(r.ms, 1)).join(', ')}`,
    );
    const oursRate = median(ours.map((r) => ROWS / (r.ms / 1000)));
    const rawRate = median(raw.map((r) => ROWS / (r.ms / 1000)));
    const oursRss = median(ours.map((r) => r.peakRssMb));
    const rawRss = median(raw.map((r) => r.peakRssMb));
    const incMs = median(incremental.map((r) => r.ms));
    const rawIncMs = median(rawIncremental.map((r) => r.ms));
    return [
      { measure: `legacy-db-poll full poll, ${fmt(ROWS)} rows × 12 cols MariaDB, pages of ${fmt(PAGE)} (rows/s)`, ours: fmt(oursRate), baseline: `${fmt(rawRate)} (mysql2 streaming the same SELECT)`, ratio: fmt(oursRate / rawRate, 2) },
      { measure: 'legacy-db-poll full poll, peak RSS of the process (MB; limit 300)', ours: fmt(oursRss), baseline: `${fmt(rawRss)} (mysql2 process)`, ratio: fmt(oursRss / rawRss, 2) },
      {
        measure: `legacy-db-poll incremental poll, ${fmt(CHANGED)} changed of ${fmt(ROWS)} rows (ms; ratio = raw/ours)`,
        ours: fmt(incMs, 1),
        baseline: `${fmt(rawIncMs, 1)} (mysql2, same SELECT); plan: ${plan?.type} on ${plan?.key}, rows ${plan?.rows}`,
        ratio: fmt(rawIncMs / incMs, 2),
      },
    ];
  } finally {
    await root.query(`DROP DATABASE IF EXISTS \`${database}\``).catch((err: Error) => console.error(`Could not drop the benchmark database ${database}: ${err.message}`));
    await root.end();
    dir.remove();
  }
}
