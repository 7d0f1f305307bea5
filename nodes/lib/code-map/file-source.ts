// A code file on disk (CSV or JSON by extension), read into CodeTables and watched for edits so a
// plant can update its code lists without a redeploy.
import { watch, watchFile, unwatchFile, readFileSync, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import { readCsvRows, readJsonRows, type SourceRows } from './csv';
import { CodeTableError, CodeTables, type TableName } from './tables';

export type CodeFileFormat = 'csv' | 'json';

export function codeFileFormat(filePath: string): CodeFileFormat {
  const ext = extname(filePath).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  throw new CodeTableError(`code file ${filePath} has an unknown format: use a .csv or .json file`);
}

/** Parses the text of a code file. `source` is how errors name the file. */
export function parseCodeFile(text: string, format: CodeFileFormat, source: string, fixedTable?: TableName): CodeTables {
  const { rows, rowLabel }: SourceRows = format === 'csv' ? readCsvRows(text, source, fixedTable) : readJsonRows(text, source, fixedTable);
  return CodeTables.fromEntries(rows, rowLabel);
}

function readError(source: string, err: unknown): CodeTableError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'the file does not exist' : (err as Error).message;
  return new CodeTableError(`cannot read code file ${source}: ${why}`);
}

export function loadCodeFileSync(filePath: string, source: string, fixedTable?: TableName): CodeTables {
  const format = codeFileFormat(filePath);
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (err) {
    throw readError(source, err);
  }
  return parseCodeFile(text, format, source, fixedTable);
}

export async function loadCodeFile(filePath: string, source: string, fixedTable?: TableName): Promise<CodeTables> {
  const format = codeFileFormat(filePath);
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (err) {
    throw readError(source, err);
  }
  return parseCodeFile(text, format, source, fixedTable);
}

export interface FileWatch {
  close(): void;
}

/**
 * Calls onChange once a burst of changes to the file has settled. The folder is watched, not the
 * file, because editors and Excel save by writing a new file and renaming it over the old one.
 * Falls back to stat polling where fs.watch is unavailable (some network shares). The watch keeps
 * the process alive until close(), so an owner that forgets to close it is noticed.
 */
export function watchCodeFile(filePath: string, onChange: () => void, debounceMs = 200): FileWatch {
  const name = basename(filePath);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const changed = (): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!closed) onChange();
    }, debounceMs);
  };
  let watcher: FSWatcher | undefined;
  let polling = false;
  try {
    watcher = watch(dirname(filePath), (_event, file) => {
      if (file === null || file === name) changed();
    });
    // A watcher that fails later (folder removed) falls back to polling rather than going quiet.
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
      startPolling();
    });
  } catch {
    startPolling();
  }
  function startPolling(): void {
    if (closed || polling) return;
    polling = true;
    watchFile(filePath, { interval: 1000 }, changed);
  }
  return {
    close(): void {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      watcher?.close();
      watcher = undefined;
      if (polling) unwatchFile(filePath, changed);
    },
  };
}
