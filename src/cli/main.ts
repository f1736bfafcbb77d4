/**
 * The command line: customs-graph ingest | synth | analyze | top | rings | evaluate | score | neo4j-check |
 * select | simulate | report | serve | worker | stats | demo. Each group of commands is a module of
 * commands/; what only some commands need is loaded when one of them runs.
 */
import { Command } from 'commander';
import { loadConfig } from '../config';
import { isCustomsGraphError } from '../util/errors';
import { createLogger } from '../util/logger';
import { registerAnalysis } from './commands/analysis';
import { registerDemo } from './commands/demo';
import { registerIngest } from './commands/ingest';
import { registerReport } from './commands/report';
import { registerService } from './commands/service';
import { registerFlow } from './commands/flow';
import { registerPurge } from './commands/purge';
import { registerAlerts } from './commands/alerts';
import { registerNeo4jCheck, registerStats } from './commands/stats';
import { registerTargeting } from './commands/targeting';
import { packageVersion } from '../util/package-version';

export function buildProgram(): Command {
  const config = loadConfig();
  const logger = createLogger();
  const program = new Command();
  program
    .name('customs-graph')
    .description('Network intelligence for customs risk management')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError();
  registerIngest(program, config, logger);
  registerAnalysis(program, config);
  registerTargeting(program, config);
  registerReport(program, config);
  registerService(program, config, logger);
  registerFlow(program, config, logger);
  registerPurge(program, config, logger);
  registerAlerts(program, config);
  registerStats(program, config);
  registerNeo4jCheck(program);
  registerDemo(program, config, logger);
  return program;
}

export async function run(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    // Errors a person can act on: one line, exit 1, no stack.
    if (isCustomsGraphError(err)) {
      process.stderr.write(`customs-graph: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
