import type { DatabaseInspection, InspectedTable } from './inspect-database.js';

/** The inspection as a human reads it: one block per table. */
export function formatInspection(inspection: DatabaseInspection): string {
  if (inspection.tables.length === 0) return `${inspection.database}: no tables`;
  return [`database ${inspection.database}`, ...inspection.tables.map(formatTable)].join('\n\n');
}

function formatTable(table: InspectedTable): string {
  const name = table.schema ? `${table.schema}.${table.name}` : table.name;
  const widths = {
    name: Math.max(...table.columns.map((c) => c.name.length)),
    type: Math.max(...table.columns.map((c) => c.type.length)),
  };
  const lines = [`table ${name}`];
  for (const column of table.columns) {
    const flags = [
      column.nullable ? 'null' : 'not null',
      column.primaryKey ? 'primary key' : '',
      column.autoincrement ? 'autoincrement' : '',
      column.default !== null ? `default ${column.default}` : '',
    ].filter(Boolean);
    lines.push(
      `  ${column.name.padEnd(widths.name)}  ${column.type.padEnd(widths.type)}  ${flags.join(', ')}`.trimEnd(),
    );
  }
  lines.push(`  primary key: ${table.primaryKey.length ? `(${table.primaryKey.join(', ')})` : 'none'}`);
  for (const index of table.indexes) {
    const kind = index.constraint ? 'unique constraint' : index.unique ? 'unique index' : 'index';
    lines.push(`  ${kind} ${index.name} (${index.expression ?? index.columns.join(', ')})`);
  }
  for (const fk of table.foreignKeys) {
    const rules = [fk.onDelete ? `on delete ${fk.onDelete}` : '', fk.onUpdate ? `on update ${fk.onUpdate}` : '']
      .filter(Boolean)
      .join(' ');
    lines.push(
      `  foreign key ${fk.name} (${fk.columns.join(', ')}) -> ${fk.referencedTable} (${fk.referencedColumns.join(', ')})${rules ? ` ${rules}` : ''}`,
    );
  }
  return lines.join('\n');
}
