-- {"metrics":["gmv_mtd","gmv"],"grain":"day","time_range":{"start":"2026-11-25","end":"2026-12-01"}}
WITH w0 AS (
SELECT CAST($1 AS TEXT) AS t, CAST($2 AS DATE) AS ws, CAST($3 AS DATE) AS we
UNION ALL SELECT CAST($4 AS TEXT) AS t, CAST($5 AS DATE) AS ws, CAST($6 AS DATE) AS we
UNION ALL SELECT CAST($7 AS TEXT) AS t, CAST($8 AS DATE) AS ws, CAST($9 AS DATE) AS we
UNION ALL SELECT CAST($10 AS TEXT) AS t, CAST($11 AS DATE) AS ws, CAST($12 AS DATE) AS we
UNION ALL SELECT CAST($13 AS TEXT) AS t, CAST($14 AS DATE) AS ws, CAST($15 AS DATE) AS we
UNION ALL SELECT CAST($16 AS TEXT) AS t, CAST($17 AS DATE) AS ws, CAST($18 AS DATE) AS we
),
a0 AS (
SELECT t, SUM(v0) AS m0
FROM (
  SELECT w.t AS t,
    CASE WHEN s1."status" IN ($19) THEN s0."amount" END AS v0
  FROM "order_lines" s0
  LEFT JOIN "orders" s1 ON s0."order_id" = s1."order_id"
  JOIN w0 w ON s1."order_date" >= w.ws AND s1."order_date" < w.we
  WHERE s1."order_date" >= CAST($20 AS DATE) AND s1."order_date" < CAST($21 AS DATE)
) x
GROUP BY t
),
a1 AS (
SELECT t, SUM(v0) AS m1
FROM (
  SELECT to_char(date_trunc('day', CAST(s1."order_date" AS TIMESTAMP)), 'YYYY-MM-DD') AS t,
    CASE WHEN s1."status" IN ($22) THEN s0."amount" END AS v0
  FROM "order_lines" s0
  LEFT JOIN "orders" s1 ON s0."order_id" = s1."order_id"
  WHERE s1."order_date" >= CAST($23 AS DATE) AND s1."order_date" < CAST($24 AS DATE)
) x
GROUP BY t
),
u AS (
SELECT t, m0, CAST(NULL AS NUMERIC) AS m1 FROM a0
UNION ALL
SELECT t, CAST(NULL AS NUMERIC) AS m0, m1 FROM a1
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
