import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAll } from './render';

/** Writes libs/db/queries afresh (a module's file whose samples are gone goes too). Answers the files written. */
export async function writeQueries(dir: string): Promise<string[]> {
  const files = await renderAll();
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) if (name.endsWith('.sql') && !files.has(name)) rmSync(join(dir, name));
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return [...files.keys()];
}
