// Shared by the views: bucketed series from the query API, in chart form.
export function bucketSeconds(bucket) {
  const m = /^(\d+)([smhd])$/.exec(bucket);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[m[2]];
  return Number(m[1]) * unit;
}

// Every bucket start in [from, to], aligned as the server aligns them (epoch multiples).
export function bucketGrid(xRange, bucket) {
  const step = bucketSeconds(bucket);
  const xs = [];
  for (let t = Math.floor(xRange[0] / step) * step; t <= xRange[1]; t += step) xs.push(t);
  return xs;
}

// rows: [{bucket_start, ...}] -> ys aligned with xs (null where no row), combining rows of the
// same bucket with `combine(acc, row)`.
export function align(xs, rows, value, combine) {
  const byT = new Map();
  for (const r of rows) {
    if (!r.bucket_start) continue;
    const t = Date.parse(r.bucket_start) / 1000;
    byT.set(t, combine && byT.has(t) ? combine(byT.get(t), r) : r);
  }
  return xs.map((t) => (byT.has(t) ? value(byT.get(t)) : null));
}

export const STATUS_RANK = { healthy: 0, degraded: 1, unhealthy: 2 };
