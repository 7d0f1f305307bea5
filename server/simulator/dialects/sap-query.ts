// One OData v2 collection request as SAP Gateway answers it: system query options read strictly,
// $filter/$orderby/$skip/$top/$inlinecount/$select/$expand applied, server-driven paging with an
// absolute d.__next carrying $skiptoken, and the Atom/XML answer when the client did not ask for JSON.
import type { Request } from 'express';
import { ODataError, comparisons, matches, parseFilter, parseOrderBy, sortRecords, xml, type Literal, type ODataRecord, type PropertyTypes } from './sap-odata';

export interface EntitySet {
  name: string;
  typeName: string; // e.g. A_ProductionOrder_2Type
  types: PropertyTypes;
  keys: string[];
  navigation?: Record<string, (record: ODataRecord) => ODataRecord[]>;
  /** A literal this ERP refuses for a property although its Edm type fits (returns the message). */
  checkLiteral?: (property: string, literal: Literal) => string | undefined;
}

const SYSTEM_OPTIONS = new Set(['$filter', '$orderby', '$top', '$skip', '$skiptoken', '$inlinecount', '$select', '$expand', '$format']);

/** System query options of the request, each at most once; custom options (sap-client…) are left alone. */
export function systemOptions(req: Request): Map<string, string> {
  const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
  const options = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(query)) {
    if (!name.startsWith('$')) continue;
    if (!SYSTEM_OPTIONS.has(name)) throw new ODataError(400, '/IWBEP/CM_MGW_RT/022', `System query option '${name}' is not supported`);
    if (options.has(name)) throw new ODataError(400, '/IWBEP/CM_MGW_RT/022', `System query option '${name}' is specified more than once`);
    options.set(name, value);
  }
  const format = options.get('$format');
  if (format !== undefined && format !== 'json' && format !== 'xml' && format !== 'atom') {
    throw new ODataError(400, '/IWBEP/CM_MGW_RT/022', `Format '${format}' is not supported; use json, xml or atom`);
  }
  return options;
}

/** JSON only when asked for by $format=json or an Accept of application/json; SAP's default is Atom. */
export function wantsJson(req: Request): boolean {
  const format = new URLSearchParams(req.originalUrl.split('?')[1] ?? '').get('$format');
  if (format) return format === 'json';
  return /application\/json/i.test(req.headers.accept ?? '');
}

function nonNegativeInteger(options: Map<string, string>, name: string): number | undefined {
  const text = options.get(name);
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text)) throw new ODataError(400, '/IWBEP/CM_MGW_RT/022', `Invalid value '${text}' for system query option ${name}; a non-negative integer is expected`);
  return Number(text);
}

export function expandList(set: EntitySet, options: Map<string, string>): string[] {
  const text = options.get('$expand');
  if (!text) return [];
  return text.split(',').map((nav) => {
    const name = nav.trim();
    if (!set.navigation || !(name in set.navigation)) throw new ODataError(400, '005056A509B11EE1B9A8FEC11C22F78E', `Property ${name} not found in type ${set.typeName}`);
    return name;
  });
}

/** Applies $expand and $select to one record as it leaves the server. */
export function shape(set: EntitySet, record: ODataRecord, options: Map<string, string>): ODataRecord {
  const out: ODataRecord = { ...record };
  for (const nav of expandList(set, options)) out[nav] = { results: set.navigation![nav](record) };
  const select = options.get('$select');
  if (!select || select.trim() === '*') return out;
  const names = select.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(name in set.types) && !(set.navigation && name in set.navigation)) throw new ODataError(400, '005056A509B11EE1B9A8FEC11C22F78E', `Property ${name} not found in type ${set.typeName}`);
  }
  return Object.fromEntries(Object.entries(out).filter(([k]) => k === '__metadata' || names.includes(k)));
}

export function filtered(set: EntitySet, rows: ODataRecord[], options: Map<string, string>): ODataRecord[] {
  const filterText = options.get('$filter');
  let result = rows;
  if (filterText !== undefined) {
    const tree = parseFilter(filterText, set.types, set.typeName);
    for (const cmp of comparisons(tree)) {
      const refusal = set.checkLiteral?.(cmp.property, cmp.literal);
      if (refusal) throw new ODataError(400, '005056A509B11EE1B9A8FEC11C21D78E', refusal);
    }
    result = rows.filter((r) => matches(tree, r, set.types));
  }
  const orderText = options.get('$orderby');
  const orderBy = orderText ? parseOrderBy(orderText, set.types, set.typeName) : set.keys.map((property) => ({ property, desc: false }));
  return sortRecords(result, orderBy, set.types);
}

export interface CollectionPage {
  results: ODataRecord[];
  count?: string;
  next?: string;
}

/**
 * One page: $skip/$top as asked, but never more than the server's page size; when more remain
 * within the client's $top, d.__next is the same request with $skiptoken (and the remaining $top).
 */
export function page(set: EntitySet, rows: ODataRecord[], options: Map<string, string>, pageSize: number, selfUrl: string): CollectionPage {
  const inline = options.get('$inlinecount');
  if (inline !== undefined && inline !== 'allpages' && inline !== 'none') {
    throw new ODataError(400, '/IWBEP/CM_MGW_RT/022', `Invalid value '${inline}' for system query option $inlinecount; allpages or none is expected`);
  }
  const matching = filtered(set, rows, options);
  const offset = (nonNegativeInteger(options, '$skip') ?? 0) + (nonNegativeInteger(options, '$skiptoken') ?? 0);
  const top = nonNegativeInteger(options, '$top');
  const wanted = matching.slice(offset, top === undefined ? undefined : offset + top);
  const results = wanted.slice(0, pageSize).map((r) => shape(set, r, options));
  const out: CollectionPage = { results };
  if (inline === 'allpages') out.count = String(matching.length);
  if (wanted.length > pageSize) {
    const next = new URL(selfUrl);
    next.searchParams.delete('$skip');
    next.searchParams.set('$skiptoken', String(offset + pageSize));
    if (top !== undefined) next.searchParams.set('$top', String(top - pageSize));
    // URLSearchParams writes `$` as %24; SAP's own links keep the option names readable.
    out.next = next.toString().replace(/([?&])%24/g, '$1$');
  }
  return out;
}

export function collectionJson(p: CollectionPage): unknown {
  return { d: { ...(p.count !== undefined ? { __count: p.count } : {}), results: p.results, ...(p.next ? { __next: p.next } : {}) } };
}

// ---- Atom/XML (what a client gets without asking for JSON) ------------------------------------

function atomValue(value: unknown): string {
  const m = typeof value === 'string' ? /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value) : null;
  return m ? new Date(Number(m[1])).toISOString().slice(0, 19) : xml(String(value));
}

export function atomEntry(record: ODataRecord, typeName: string, root = false): string {
  const meta = record.__metadata as { uri: string } | undefined;
  const props = Object.entries(record)
    .filter(([k, v]) => k !== '__metadata' && !(v && typeof v === 'object'))
    .map(([k, v]) => (v === null ? `<d:${k} m:null="true"/>` : `<d:${k}>${atomValue(v)}</d:${k}>`))
    .join('');
  const ns = root ? ' xmlns="http://www.w3.org/2005/Atom" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices"' : '';
  return `<entry${ns}><id>${xml(meta?.uri ?? '')}</id><title type="text"/><updated>${new Date().toISOString()}</updated><category term="${typeName}" scheme="http://schemas.microsoft.com/ado/2007/08/dataservices/scheme"/><link href="${xml(meta?.uri ?? '')}" rel="self"/><content type="application/xml"><m:properties>${props}</m:properties></content></entry>`;
}

export function atomFeed(selfUrl: string, set: EntitySet, p: CollectionPage): string {
  const count = p.count !== undefined ? `<m:count>${p.count}</m:count>` : '';
  const next = p.next ? `<link href="${xml(p.next)}" rel="next"/>` : '';
  return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices"><id>${xml(selfUrl)}</id><title type="text">${set.name}</title><updated>${new Date().toISOString()}</updated>${count}${p.results.map((r) => atomEntry(r, set.typeName)).join('')}${next}</feed>`;
}

/** A small but honest $metadata: entity types with keys and Edm types, navigation names, entity sets. */
export function edmx(namespace: string, sets: EntitySet[]): string {
  const types = sets
    .map((s) => {
      const keys = s.keys.map((k) => `<PropertyRef Name="${k}"/>`).join('');
      const props = Object.entries(s.types)
        .map(([n, t]) => `<Property Name="${n}" Type="Edm.${t}" Nullable="${s.keys.includes(n) ? 'false' : 'true'}"/>`)
        .join('');
      const navs = Object.keys(s.navigation ?? {})
        .map((n) => `<NavigationProperty Name="${n}"/>`)
        .join('');
      return `<EntityType Name="${s.typeName}" sap:content-version="1"><Key>${keys}</Key>${props}${navs}</EntityType>`;
    })
    .join('');
  const entitySets = sets.map((s) => `<EntitySet Name="${s.name}" EntityType="${namespace}.${s.typeName}" sap:content-version="1"/>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" xmlns:sap="http://www.sap.com/Protocols/SAPData"><edmx:DataServices m:DataServiceVersion="2.0"><Schema Namespace="${namespace}" xml:lang="en" sap:schema-version="1" xmlns="http://schemas.microsoft.com/ado/2008/09/edm">${types}<EntityContainer Name="${namespace}_Entities" m:IsDefaultEntityContainer="true">${entitySets}</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`;
}
