// The escalation policy table: per level (and optionally exception type), who is notified, how long they have
// to acknowledge, and where an unacknowledged exception goes next. The defaults follow DESIGN §1 and the
// plants in the seeds: general is the MES's own business (logged to the ERP); urgent goes to the production
// supervisor, who has 60 min; severe to the supply-chain director, who has 15 min; past that the plant
// manager is called, and that is the top: nothing escalates beyond the plant manager.
import { EXCEPTION_TYPES, SEVERITIES, type ExceptionType, type PolicyRow } from './types';

export const DEFAULT_ESCALATION_POLICY: readonly PolicyRow[] = [
  { level: 'general', notify: [{ role: 'shift-leader', channel: 'dashboard' }] },
  {
    level: 'urgent',
    notify: [
      { role: 'production-supervisor', channel: 'im' },
      { role: 'production-supervisor', channel: 'dashboard' },
    ],
    ackWithinMin: 60,
    nextLevel: 'severe',
  },
  {
    // A defect-rate alarm calls the quality supervisor to the line (seed 000: 质量主管现场排查原因).
    level: 'urgent',
    type: 'quality-defect',
    notify: [
      { role: 'quality-supervisor', channel: 'im' },
      { role: 'production-supervisor', channel: 'dashboard' },
    ],
    ackWithinMin: 60,
    nextLevel: 'severe',
  },
  {
    level: 'severe',
    notify: [
      { role: 'supply-chain-director', channel: 'im' },
      { role: 'supply-chain-director', channel: 'email' },
      { role: 'production-supervisor', channel: 'dashboard' },
    ],
    ackWithinMin: 15,
    nextLevel: 'plant-manager',
  },
  {
    level: 'severe',
    type: 'material-shortage',
    notify: [
      { role: 'supply-chain-director', channel: 'im' },
      { role: 'supply-chain-director', channel: 'email' },
      { role: 'production-supervisor', channel: 'dashboard' },
    ],
    ackWithinMin: 15,
    nextLevel: 'plant-manager',
    erpAction: 'emergency-purchase-or-transfer',
  },
  {
    level: 'plant-manager',
    notify: [
      { role: 'plant-manager', channel: 'im' },
      { role: 'plant-manager', channel: 'email' },
    ],
  },
];

const NAME = /^[a-z][a-z0-9-]*$/;

/** A checked policy table: every severity has a general row, every next level exists, and escalation ends. */
export class EscalationPolicy {
  private constructor(readonly rows: readonly PolicyRow[]) {}

  /** Checks a table (as the editor stores it) and says in a sentence which row is wrong and why. */
  static from(table: unknown = DEFAULT_ESCALATION_POLICY): EscalationPolicy {
    if (!Array.isArray(table) || table.length === 0) throw new Error('The escalation policy must be a non-empty list of rows.');
    const rows = table.map((row, i) => checkRow(row, i + 1));
    const seen = new Set<string>();
    rows.forEach((row, i) => {
      const key = `${row.level}/${row.type ?? '*'}`;
      if (seen.has(key)) throw new Error(`Escalation policy row ${i + 1} repeats level ${row.level}${row.type ? ` for ${row.type}` : ''}; each level and type may appear once.`);
      seen.add(key);
    });
    const levels = new Set(rows.filter((r) => r.type === undefined).map((r) => r.level));
    for (const severity of SEVERITIES) {
      if (!levels.has(severity)) throw new Error(`The escalation policy has no row for ${severity} exceptions (a row with level ${severity} and no type).`);
    }
    rows.forEach((row, i) => {
      if (!levels.has(row.level)) throw new Error(`Escalation policy row ${i + 1} is for level ${row.level}, which has no row of its own (without a type), so no exception could reach it.`);
      if (row.nextLevel !== undefined && !levels.has(row.nextLevel)) {
        throw new Error(`Escalation policy row ${i + 1} escalates to level ${row.nextLevel}, which has no row of its own (without a type).`);
      }
    });
    // Rows of one level may name different next levels (per type): follow every edge, so that no path loops.
    const edges = new Map<string, Set<string>>();
    for (const row of rows) if (row.nextLevel !== undefined) edges.set(row.level, (edges.get(row.level) ?? new Set()).add(row.nextLevel));
    const follow = (path: string[]): void => {
      for (const next of edges.get(path[path.length - 1]) ?? []) {
        if (path.includes(next)) throw new Error(`The escalation policy loops: ${[...path, next].join(' → ')}; escalation must end at a level without a next level.`);
        follow([...path, next]);
      }
    };
    for (const level of levels) follow([level]);
    return new EscalationPolicy(rows);
  }

  /** True when the level has a row of its own (a policy edited after a restart may have dropped one). */
  hasLevel(level: string): boolean {
    return this.rows.some((r) => r.level === level && r.type === undefined);
  }

  /** The row for an exception of this type at this level: the type's own row, else the level's general row. */
  rowFor(level: string, type: ExceptionType): PolicyRow {
    const row = this.rows.find((r) => r.level === level && r.type === type) ?? this.rows.find((r) => r.level === level && r.type === undefined);
    if (!row) throw new Error(`The escalation policy has no row for level ${level}.`);
    return row;
  }
}

function checkRow(raw: unknown, n: number): PolicyRow {
  const at = `Escalation policy row ${n}`;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${at} must be an object with level, notify and optionally type, ackWithinMin, nextLevel.`);
  const row = raw as Record<string, unknown>;
  const known = ['level', 'type', 'notify', 'ackWithinMin', 'nextLevel', 'erpAction'];
  const unknown = Object.keys(row).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Error(`${at} has ${unknown.map((k) => `"${k}"`).join(', ')}, which the policy does not know (known: ${known.join(', ')}).`);
  if (typeof row.level !== 'string' || !NAME.test(row.level)) throw new Error(`${at} needs a level in lower case words joined by hyphens (general, urgent, severe, plant-manager), not ${JSON.stringify(row.level)}.`);
  if (row.type !== undefined && row.type !== '' && !EXCEPTION_TYPES.includes(row.type as ExceptionType)) {
    throw new Error(`${at} has type ${JSON.stringify(row.type)}; it must be one of ${EXCEPTION_TYPES.join(', ')} or empty for every type.`);
  }
  if (!Array.isArray(row.notify)) throw new Error(`${at} (level ${row.level}) needs a notify list (it may be empty).`);
  const notify = row.notify.map((target: unknown, i) => {
    const t = target as Record<string, unknown> | null;
    if (!t || typeof t.role !== 'string' || !NAME.test(t.role) || typeof t.channel !== 'string' || !NAME.test(t.channel)) {
      throw new Error(`${at} (level ${row.level}) notify[${i}] needs a role and a channel in lower case words joined by hyphens, e.g. {"role": "production-supervisor", "channel": "im"}.`);
    }
    return { role: t.role, channel: t.channel };
  });
  const ack = row.ackWithinMin;
  if (ack !== undefined && ack !== null && (typeof ack !== 'number' || !Number.isFinite(ack) || ack <= 0)) {
    throw new Error(`${at} (level ${row.level}) has ackWithinMin ${JSON.stringify(ack)}; it must be a number of minutes above 0, or left out for no deadline.`);
  }
  const next = row.nextLevel;
  if (next !== undefined && next !== null && next !== '' && (typeof next !== 'string' || !NAME.test(next))) {
    throw new Error(`${at} (level ${row.level}) has nextLevel ${JSON.stringify(next)}, which is not a level name.`);
  }
  const hasNext = typeof next === 'string' && next !== '';
  const hasAck = typeof ack === 'number';
  if (hasNext && !hasAck) throw new Error(`${at} (level ${row.level}) escalates to ${String(next)} but has no ackWithinMin: without a deadline it would never escalate.`);
  if (hasNext && next === row.level) throw new Error(`${at} (level ${row.level}) escalates to itself.`);
  if (row.erpAction !== undefined && row.erpAction !== 'emergency-purchase-or-transfer') {
    throw new Error(`${at} (level ${row.level}) has erpAction ${JSON.stringify(row.erpAction)}; the only one is emergency-purchase-or-transfer.`);
  }
  return {
    level: row.level,
    ...(typeof row.type === 'string' && row.type !== '' && { type: row.type as ExceptionType }),
    notify,
    ...(hasAck && { ackWithinMin: ack as number }),
    ...(hasNext && { nextLevel: next as string }),
    ...(row.erpAction !== undefined && { erpAction: row.erpAction as 'emergency-purchase-or-transfer' }),
  };
}
