// Packages only some installs need (the Redis store, the SQL drivers of legacy databases) are optional peer
// dependencies of the pack: a palette install leaves them out, and the first use says which one to install.
import { createRequire } from 'node:module';

const requireHere = createRequire(__filename);

/** The sentence a missing optional package gives: what needs it and the command that fixes it. */
export function missingPackageMessage(name: string, neededFor: string): string {
  return `${neededFor} needs the npm package "${name}", which is not installed: install it in your Node-RED user directory (cd ~/.node-red && npm install ${name}) or from the palette manager, then restart Node-RED.`;
}

/** Whether the package can be loaded from this pack's install. */
export function hasPackage(name: string): boolean {
  try {
    requireHere.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** Loads an optional package, or throws a sentence naming it and what needs it. */
export function requireOptional<T>(name: string, neededFor: string): T {
  if (!hasPackage(name)) throw new Error(missingPackageMessage(name, neededFor));
  return requireHere(name) as T;
}
