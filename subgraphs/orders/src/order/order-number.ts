/**
 * The human-readable order number: `PS-<year placed, UTC>-<sequence, at least 6 digits>`, e.g.
 * PS-2026-000123. The sequence is a PostgreSQL sequence (orders.seq, unique), so numbers are
 * unique and never reused; it does not restart each year.
 */
export function orderNumber(seq: bigint, placedAt: Date): string {
  return `PS-${placedAt.getUTCFullYear()}-${seq.toString().padStart(6, '0')}`;
}
