// `doorcx <command> …`: one module per feature under cli/commands registers its commands here.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { controllerCommands } from './commands/controller';
import { diagnosticsCommands } from './commands/diagnostics';
import { runsCommands } from './commands/runs';
import { scheduleCommands } from './commands/schedule';
import { powerCommands } from './commands/power';
import { reportCommands } from './commands/report';
import { syncCommands } from './commands/sync';
import { CliUsageError } from './usage';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface CliCommand {
  name: string;
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Returns the exit code. */
  run(args: { values: Record<string, string | boolean | undefined>; positionals: string[] }, io: CliIo): Promise<number>;
}

export const commands: CliCommand[] = [
  ...scheduleCommands,
  ...controllerCommands,
  ...runsCommands,
  ...powerCommands,
  ...reportCommands,
  ...syncCommands,
  ...diagnosticsCommands,
];

export { CliUsageError };

function help(): string {
  const lines = commands.map((c) => `  ${c.usage.padEnd(72)} ${c.summary}`);
  return `Usage: doorcx <command> [options]\n\nCommands:\n${lines.join('\n')}\n`;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(help());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`doorcx: unknown command "${name}".\n${help()}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    io.err(`doorcx ${name}: ${(err as Error).message}\nUsage: doorcx ${command.usage}\n`);
    return 2;
  }
  try {
    return await command.run(parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] }, io);
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.err(`doorcx ${name}: ${err.message}\nUsage: doorcx ${command.usage}\n`);
      return 2;
    }
    io.err(`doorcx ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}

// Run when executed directly (bin/doorcx.mjs imports this module, or its build dist/node/cli.mjs).
const io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
if (process.argv[1] && /doorcx(\.mjs)?$|cli[\\/]main\.ts$|[\\/]cli\.mjs$/.test(process.argv[1])) {
  // `doorcx check | head`: a reader that stops early is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  process.exitCode = await runCli(process.argv.slice(2), io);
}
