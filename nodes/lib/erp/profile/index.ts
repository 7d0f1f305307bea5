// ERP profiles: the shipped presets, and loading a custom one (checked against schemas/erp-profile and
// compiled up front, so a typo in a JSONata expression is reported at deploy, not at 3 a.m.).
import { genericRest } from '../presets/generic-rest';
import { kingdeeK3Cloud } from '../presets/kingdee-k3cloud';
import { sapS4hana } from '../presets/sap-s4hana';
import { erpnext } from '../presets/erpnext';
import { odooJson2, odooJsonRpc } from '../presets/odoo';
import { validate } from '../../validation';
import { compileExpression } from './expressions';
import { checkTimeZone } from '../../time-format';
import type { ErpProfile } from './types';

export type { Confirmation, ErpProfile } from './types';
export { ProfileSession, type ErpCredentials } from './session';
export { profileOrdersReader } from './pull';
export { profileConfirmationWriter, type ConfirmationWriter, type PushResult } from './push';

const PRESETS: ErpProfile[] = [genericRest, sapS4hana, erpnext, odooJsonRpc, odooJson2, kingdeeK3Cloud];

export function presetIds(): string[] {
  return PRESETS.map((p) => p.id);
}

export function preset(id: string): ErpProfile {
  const found = PRESETS.find((p) => p.id === id);
  if (!found) throw new Error(`there is no ERP profile preset '${id}'; the presets are ${presetIds().join(', ')}.`);
  return structuredClone(found);
}

/** Checks a profile (an object or JSON text) and every expression in it; errors name the field. */
export function loadProfile(source: unknown, where = 'the ERP profile'): ErpProfile {
  let profile = source;
  if (typeof source === 'string') {
    try {
      profile = JSON.parse(source);
    } catch (err) {
      throw new Error(`${where} is not valid JSON: ${(err as Error).message}.`, { cause: err });
    }
  }
  const check = validate('erp-profile', profile, 'profile');
  if (!check.ok) throw new Error(`${where} is not a valid ERP profile: ${check.message}.`);
  const p = profile as ErpProfile;
  checkTimeZone(p.pull.changeTime.timeZone);
  forEachExpression(p, (field, src) => compileExpression(src, field, p.name));
  return p;
}

const EXPRESSION_KEYS = new Set([
  'query',
  'headers',
  'body',
  'value',
  'loginError',
  'token',
  'expired',
  'message',
  'next',
  'total',
  'items',
  'error',
  'select',
  'map',
  'resultId',
  'found',
  'duplicate',
  'optional',
  'columns',
  'carries',
  'foundId',
  'when',
  'pending',
]);

function forEachExpression(node: unknown, visit: (field: string, src: string) => void, path = ''): void {
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    const field = path ? `${path}.${key}` : key;
    if (typeof value !== 'string') forEachExpression(value, visit, field);
    else if (EXPRESSION_KEYS.has(key)) visit(field, value);
  }
}
