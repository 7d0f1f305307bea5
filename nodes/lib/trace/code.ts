// What a trace code may be: what the schemas allow (1–64 characters) and no control characters, so a code
// typed or scanned with a stray tab or newline gets a clear sentence instead of a silent "not found".
export const MAX_TRACE_CODE = 64;

/** undefined when the code can be traced, else the sentence saying what is wrong with it. */
export function traceCodeProblem(code: unknown): string | undefined {
  if (typeof code !== 'string') return `A trace code must be text, not ${code === null ? 'null' : typeof code}.`;
  if (code.trim() === '') return 'A trace code is required: the unit or batch code (质量追溯码), or an order number.';
  if (code.length > MAX_TRACE_CODE) return `The trace code is ${code.length} characters long; trace codes have at most ${MAX_TRACE_CODE}.`;
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(code);
  if (control) return `The trace code contains a control character (U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}) at position ${control.index + 1}; scan or type it again.`;
  return undefined;
}

/** The sentence for a code nothing carries. */
export function unknownTraceCode(code: string): string {
  return `No job report, quality record or order of this bridge carries the trace code ${JSON.stringify(code)}.`;
}
