import { formatInspection } from '../../sql/inspect/format-inspection.js';
import { inspectDatabase } from '../../sql/inspect/inspect-database.js';
import type { CliCommand } from '../cli-command.js';

/** The page's `autoload=True`: what the live database holds, read from the database itself. */
export const dbInspectCommand: CliCommand = {
  name: 'db:inspect',
  description: 'print every table of the live database: columns, keys, indexes, foreign keys',
  usage: '[--json]',
  options: [{ flag: '--json', means: 'print the inspection as JSON (alone on stdout, for jq and scripts)' }],
  async run(orm, args, out) {
    const inspection = await inspectDatabase(orm);
    out.log(args.includes('--json') ? JSON.stringify(inspection, null, 2) : formatInspection(inspection));
    return 0;
  },
};
