import { writeFileSync } from 'node:fs';
import { getLogger } from './logger';

/**
 * Rewrites `file` every `intervalMs` while this process's event loop turns: the health a
 * container engine can read of a process that serves no HTTP (scheduler, agent), through
 * scripts/healthcheck.mjs. A file older than a few intervals means the process is gone or wedged.
 * Unref'd, so it keeps no process alive; stop() ends it.
 */
export function startLivenessFile(file: string, intervalMs = 5_000): { stop(): void } {
  const log = getLogger('liveness');
  let warned = false;
  const beat = () => {
    try {
      writeFileSync(file, `${new Date().toISOString()}\n`);
      warned = false;
    } catch (err) {
      // a full or read-only disk: say so once per outage, the healthcheck will fail on its own
      if (!warned) log.warn({ err, file }, 'cannot write the liveness file');
      warned = true;
    }
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
