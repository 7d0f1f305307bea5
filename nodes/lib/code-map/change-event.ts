// A code table that changes while the flows run (its file edited and read again, or rows loaded by a message)
// is a change of the integration like a deploy: the node announces it on the runtime's events, and the server's
// change control records it (server/change-control.ts). The event's name and shape live here, shared by both.
export const CODE_TABLE_CHANGED_EVENT = 'erp-mes-bridge:code-table-changed';

export interface CodeTableChange {
  /** The code-map-table node's id and name. */
  id: string;
  name: string;
  how: 'file' | 'message';
  /** The file as configured, for a reload. */
  file?: string;
  /** For rows loaded by a message: merged into the tables or replacing the tables they name. */
  mode?: 'merge' | 'replace';
  /** Codes in force after the change (file reload), or codes loaded (message). */
  codes: number;
}

/** Why the change happened, as a sentence for the change log. */
export function codeTableChangeReason(c: CodeTableChange): string {
  return c.how === 'file'
    ? `The code file ${c.file ?? ''} of table "${c.name}" changed on disk and was read again (${c.codes} codes in force).`
    : `A flow message loaded ${c.codes} codes into table "${c.name}" (${c.mode === 'replace' ? 'replacing the tables it names' : 'merged'}).`;
}
