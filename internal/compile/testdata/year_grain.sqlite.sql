-- {"metrics":["gmv_ytd"],"grain":"year","time_range":{"start":"2025-06-01","end":"2026-12-01"}}
WITH w0 AS (
SELECT ? AS t, ? AS ws, ? AS we
UNION ALL SELECT ? AS t, ? AS ws, ? AS we
),
a0 AS (
SELECT t, SUM(v0) AS m0
FROM (
  SELECT w.t AS t,
    CASE WHEN s1."status" IN (?) THEN s0."amount" END AS v0
  FROM "order_lines" s0
  LEFT JOIN "orders" s1 ON s0."order_id" = s1."order_id"
  JOIN w0 w ON s1."order_date" >= w.ws AND s1."order_date" < w.we
  WHERE s1."order_date" >= ? AND s1."order_date" < ?
) x
GROUP BY t
)
SELECT *
FROM (
SELECT t AS "time",
  m0 AS "gmv_ytd"
FROM a0
) r
ORDER BY r."time";
-- args: ["2025-01-01" "2025-01-01" "2026-01-01" "2026-01-01" "2026-01-01" "2026-12-01" "paid" "2025-01-01" "2026-12-01"]
