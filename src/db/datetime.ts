// DATETIME values as the driver sends them (dateStrings: the pool's
// `timezone: 'Z'` makes them UTC): the one parser of routing's reads and
// the rate commands'.

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/**
 * 'YYYY-MM-DD HH:MM:SS[.ffffff]' as UTC epoch ms. A zero date (MariaDB allows
 * '0000-00-00 00:00:00' outside strict modes) is the earliest instant.
 */
export function parseUtcDatetime(text: string): number {
  const m = DATETIME.exec(text);
  if (m === null) throw new RangeError(`not a DATETIME: ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (year === 0 || month === 0 || day === 0) return -Infinity;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000));
  return date.getTime();
}
