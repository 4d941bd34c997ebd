import { readFileSync } from 'node:fs';

export interface DockerStage {
  /** the image or earlier stage it starts FROM */
  from: string;
  name: string;
  /** its instructions, continuation lines joined: [keyword, the rest] */
  instructions: [string, string][];
}

/** The stages of a Dockerfile, enough for the deploy tests to read what each one does. */
export function readDockerfile(path: string): DockerStage[] {
  const lines = readFileSync(path, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const [keyword = '', rest = ''] = [
      line.slice(0, line.indexOf(' ')).toUpperCase(),
      line.slice(line.indexOf(' ') + 1),
    ];
    if (keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest.trim());
      if (!m) throw new Error(`unreadable FROM: ${line}`);
      stages.push({ from: m[1]!, name: m[2] ?? String(stages.length), instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${keyword} before any FROM`);
      stage.instructions.push([keyword, rest.replace(/\s+/g, ' ').trim()]);
    }
  }
  return stages;
}

/** The last value of an instruction a stage has, or inherits from the stage it starts from. */
export function effective(stages: DockerStage[], name: string, keyword: string): string | undefined {
  const stage = stages.find((s) => s.name === name);
  if (!stage) return undefined;
  const own = stage.instructions.filter(([k]) => k === keyword).at(-1);
  return own ? own[1] : effective(stages, stage.from, keyword);
}
