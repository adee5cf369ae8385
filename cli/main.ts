import { Command } from 'commander';
import { serveCommand } from './serve';
import { runCommand } from './run';
import { simulateCommand } from './simulate';
import { sweepCommand } from './sweep';
import { calibrateCommand, compareCommand, mergeCommand, reportCommand } from './analysis-commands';
import { hardwareCommand, modelsCommand, predictCommand, profilesCommand } from './catalog-commands';
import { version } from '../common/version';

export function buildProgram(): Command {
  const program = new Command('tokenbench')
    .description('A physics-based mock LLM endpoint and a benchmark harness for OpenAI-compatible servers')
    .version(version);
  program.addCommand(serveCommand());
  program.addCommand(runCommand());
  program.addCommand(sweepCommand());
  program.addCommand(simulateCommand());
  program.addCommand(reportCommand());
  program.addCommand(compareCommand());
  program.addCommand(mergeCommand());
  program.addCommand(calibrateCommand());
  program.addCommand(predictCommand());
  program.addCommand(profilesCommand());
  program.addCommand(hardwareCommand());
  program.addCommand(modelsCommand());
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: Error) => {
      process.stderr.write(`tokenbench: ${error.message}\n`);
      process.exit(1);
    });
}
