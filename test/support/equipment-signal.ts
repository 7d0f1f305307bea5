// Checks equipment-signal messages: against schemas/equipment-signal.schema.json (the OEE side owns it) when it
// is there, else against the shape agreed in the interfaces brief, written out here the same way.
import Ajv2020 from 'ajv/dist/2020';
import { addRfc3339Formats } from '../../nodes/lib/rfc3339-formats';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDirectory } from '../../nodes/lib/validation';

const AGREED_SHAPE = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['equipment', 'at'],
  properties: {
    equipment: { type: 'string', minLength: 1, maxLength: 40 },
    at: { type: 'string', format: 'date-time' },
    state: { enum: ['running', 'idle', 'fault', 'maintenance'] },
    partCounter: { type: 'integer', minimum: 0 },
    rejectCounter: { type: 'integer', minimum: 0 },
    spindleSpeed: { type: 'number' },
    temperature: { type: 'number' },
    source: { enum: ['opcua', 'modbus', 'mes', 'other'] },
  },
};

const file = join(schemasDirectory(), 'equipment-signal.schema.json');
const ajv = new Ajv2020({ allErrors: true, strict: false });
addRfc3339Formats(ajv);
const check = ajv.compile(existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : AGREED_SHAPE);

/** Throws naming what is wrong when the payload is not an equipment-signal. */
export function assertEquipmentSignal(payload: unknown): void {
  if (!check(payload)) throw new Error(`not an equipment-signal: ${ajv.errorsText(check.errors)} in ${JSON.stringify(payload)}`);
}
