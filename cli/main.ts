#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../sim/index.js';
import { dataCommands } from './data-commands.js';
import { demoCommand } from './demo-command.js';
import { logCommand } from './log-commands.js';
import { UsageError } from './options.js';
import { rosCommand } from './ros-command.js';
import { runtimeCommands } from './runtime-commands.js';
import { simCommand } from './sim-commands.js';
import { trainingCommands } from './training-commands.js';

const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };

const program = new Command('mesa-shield')
  .description('A meta-learned safety shield (MESA + Recovery RL) that gates a robot controller\'s commands.')
  .version(version)
  .showHelpAfterError('(add --help for usage)')
  .exitOverride();

program.addCommand(demoCommand());
program.addCommand(simCommand());
for (const command of [...dataCommands(), ...trainingCommands(), ...runtimeCommands(), logCommand(), rosCommand()]) program.addCommand(command);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  console.error(`mesa-shield: ${e instanceof Error ? e.message : String(e)}`);
  if (e instanceof UsageError) process.exit(1);
  if (process.env.MESA_SHIELD_DEBUG && e instanceof Error) console.error(e.stack);
  process.exit(2);
}
