// How deep a JSON text nests, found by one pass over the characters before anything parses it: a body
// nested thousands deep never reaches JSON.parse, Node-RED's message clone, JSONata or Ajv, all of which
// recurse once per level and end the process (RangeError) or hang on such input.

/**
 * The deepest nesting of arrays and objects in `text`, counting brackets outside strings (escapes inside
 * strings respected). Stops as soon as `limit` is passed and returns limit + 1, so a huge body costs no
 * more than the bytes up to that point. Does not validate the JSON: JSON.parse does that afterwards.
 */
export function jsonNestingDepth(text: string, limit = Number.MAX_SAFE_INTEGER): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */)
        i++; // the escaped character cannot end the string
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return deepest;
}
