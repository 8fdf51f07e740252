/**
 * ISO 8601 durations as Key Vault rotation policies write them (`P90D`, `P1Y`, `P2M`, `P1Y6M`, `PT12H`) in
 * days, so rules compare plain numbers. Months count 30 days and years 365, as Key Vault itself documents.
 */
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export function durationToDays(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const match = DURATION.exec(value.trim().toUpperCase());
  if (!match || value.trim().length <= 1) return undefined;
  const [, y, mo, w, d, h, mi, s] = match.map((part) => Number(part ?? 0));
  const total =
    (y ?? 0) * 365 +
    (mo ?? 0) * 30 +
    (w ?? 0) * 7 +
    (d ?? 0) +
    ((h ?? 0) * 3600 + (mi ?? 0) * 60 + (s ?? 0)) / 86400;
  return Math.round(total * 1000) / 1000;
}
