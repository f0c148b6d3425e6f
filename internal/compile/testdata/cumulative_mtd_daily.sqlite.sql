-- {"metrics":["gmv_mtd","gmv"],"grain":"day","time_range":{"start":"2026-11-25","end":"2026-12-01"}}
WITH w0 AS (
SELECT ? AS t, ? AS ws, ? AS we
UNION ALL SELECT ? AS t, ? AS ws, ? AS we
UNION ALL SELECT ? AS t, ? AS ws, ? AS we
UNION ALL SELECT ? AS t, ? AS ws, ? AS we
UNION ALL SELECT ? AS t, ? AS ws, ? AS we
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
),
a1 AS (
SELECT t, SUM(v0) AS m1
FROM (
  SELECT date(s1."order_date") AS t,
    CASE WHEN s1."status" IN (?) THEN s0."amount" END AS v0
  FROM "order_lines" s0
  LEFT JOIN "orders" s1 ON s0."order_id" = s1."order_id"
  WHERE s1."order_date" >= ? AND s1."order_date" < ?
) x
GROUP BY t
),
u AS (
SELECT t, m0, NULL AS m1 FROM a0
UNION ALL
SELECT t, NULL AS m0, m1 FROM a1
),
g AS (
SELECT t, MAX(m0) AS m0, MAX(m1) AS m1
FROM u
GROUP BY t
)
SELECT *
FROM (
SELECT t AS "time",
  m0 AS "gmv_mtd",
  m1 AS "gmv"
FROM g
) r
ORDER BY r."time";
-- args: ["2026-11-25" "2026-11-01" "2026-11-26" "2026-11-26" "2026-11-01" "2026-11-27" "2026-11-27" "2026-11-01" "2026-11-28" "2026-11-28" "2026-11-01" "2026-11-29" "2026-11-29" "2026-11-01" "2026-11-30" "2026-11-30" "2026-11-01" "2026-12-01" "paid" "2026-11-01" "2026-12-01" "paid" "2026-11-25" "2026-12-01"]
