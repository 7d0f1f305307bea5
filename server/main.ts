// CLI: `node dist/server/main.js [--demo]`. Configuration errors print one line and exit 1;
// SIGTERM/SIGINT stop the flows cleanly (nodes' close handlers run) and exit 0; a second signal exits at once.
import { loadSettings, SettingsError, type BridgeSettings } from '../settings';
import { startBridgeServer, type BridgeServer } from './app';

function fail(message: string): never {
  process.stderr.write(message + '\n');
  process.exit(1);
}

async function main(): Promise<void> {
  // Everything the server writes (flow credentials, sessions, the stores' databases) is its own account's only.
  process.umask(0o077);
  let settings: BridgeSettings;
  try {
    settings = loadSettings();
  } catch (err) {
    if (err instanceof SettingsError) fail(`ERP–MES Bridge cannot start: ${err.message}`);
    throw err;
  }

  let starting: Promise<BridgeServer> | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting for flows to stop.\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${signal} received: stopping flows…\n`);
    // A signal during start-up waits for the start to finish, then stops what was started.
    const closed = starting ? starting.then((bridge) => bridge.close()) : Promise.resolve();
    closed.then(
      () => {
        process.stdout.write('ERP–MES Bridge stopped: flows stopped, server closed.\n');
        process.exit(0);
      },
      (err: Error) => fail(`ERP–MES Bridge did not stop cleanly: ${err.message}`),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  starting = startBridgeServer(settings);
  await starting;
}

main().catch((err: Error) => fail(`ERP–MES Bridge failed to start: ${err.message}`));
