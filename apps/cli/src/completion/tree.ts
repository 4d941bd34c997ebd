import type { Command, Option } from 'commander';

/** A command of the tree as completion sees it: where it is, what may follow it. */
export interface CompletionNode {
  /** `xp vm create` */
  path: string;
  subcommands: string[];
  /** every flag spelling, the program's global ones included */
  flags: string[];
}

/** Options taking a value: their spellings, and the words they accept when there is a fixed set. */
export interface ValueOption {
  flags: string[];
  choices?: string[];
}

export interface CompletionTree {
  nodes: CompletionNode[];
  valueOptions: ValueOption[];
}

const spellings = (o: Option): string[] => [o.short, o.long].filter((s): s is string => Boolean(s));

/** The whole command tree of the program, read from commander (the scripts are generated from it). */
export function completionTree(program: Command): CompletionTree {
  const globals = program.options.filter((o) => !o.hidden);
  const nodes: CompletionNode[] = [];
  const valueOptions = new Map<string, ValueOption>();
  const visit = (cmd: Command, path: string) => {
    const options = cmd === program ? globals : [...cmd.options.filter((o) => !o.hidden), ...globals];
    for (const o of options)
      if (o.required || o.optional)
        valueOptions.set(spellings(o).join(' '), {
          flags: spellings(o),
          ...(o.argChoices ? { choices: o.argChoices } : {}),
        });
    nodes.push({
      path,
      subcommands: cmd.commands.map((c) => c.name()),
      flags: [...options.flatMap((o) => (o.long ? [o.long] : [])), '--help'],
    });
    for (const c of cmd.commands) visit(c, `${path} ${c.name()}`);
  };
  visit(program, program.name());
  return { nodes, valueOptions: [...valueOptions.values()] };
}
