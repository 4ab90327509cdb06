/**
 * PostgreSQL WAL positions (`pg_lsn`, written `16/B374D848`): the consistency token a write's
 * response carries is the primary's position after its commit, and a replica has seen that write
 * once its replay position is at or past it.
 */
const LSN = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i;

/** `16/B374D848` → a comparable number; undefined for anything else (client input is checked here). */
export function parseLsn(text: string): bigint | undefined {
  const match = LSN.exec(text.trim());
  if (!match) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`);
}

/** The text form PostgreSQL prints, so a token reads like `pg_current_wal_lsn()`. */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
