import { buildProgram } from './program';

// `xp`: see docs/CLI.md. Actions set process.exitCode; nothing here may keep the process alive.

// `xp vm list -o json | head`: the reader went away, which is no failure of ours
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

const argv = process.argv.slice(2);
buildProgram(argv)
  .then((program) => program.parseAsync(argv, { from: 'user' }))
  .catch((err: unknown) => {
    process.stderr.write(`xp: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
