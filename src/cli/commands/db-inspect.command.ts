import { formatInspection } from '../../sql/inspect/format-inspection.js';
import { inspectDatabase } from '../../sql/inspect/inspect-database.js';
import { UsageError, type CliCommand } from '../cli-command.js';

/** The page's `autoload=True`: what the live database holds, read from the database itself. */
export const dbInspectCommand: CliCommand = {
  name: 'db:inspect',
  description: 'print every table of the live database: columns, keys, indexes, foreign keys',
  usage: '[--json]',
  options: [{ flag: '--json', means: 'print the inspection as JSON (alone on stdout, for jq and scripts)' }],
  async run(orm, args, out) {
    // runCli refuses undeclared flags first; this guards a direct call too.
    const unknown = args.filter((arg) => arg !== '--json');
    if (unknown.length > 0) throw new UsageError(`db:inspect: unknown argument ${unknown[0]} (only --json)`);
    const inspection = await inspectDatabase(orm);
    out.log(args.includes('--json') ? JSON.stringify(inspection, null, 2) : formatInspection(inspection));
    return 0;
  },
};
