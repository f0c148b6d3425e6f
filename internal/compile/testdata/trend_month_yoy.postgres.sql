-- {"metrics":["gmv","refund_rate"],"grain":"month","time_range":{"start":"2026-06-01","end":"2026-12-01"},"compare":"same_period_last_year"}
WITH a0 AS (
SELECT p, t, SUM(v0) AS m0
FROM (
  SELECT CASE WHEN s1."order_date" >= CAST($1 AS DATE) AND s1."order_date" < CAST($2 AS DATE) THEN 0 ELSE 1 END AS p,
    to_char(date_trunc('month', CAST(s1."order_date" AS TIMESTAMP)), 'YYYY-MM-DD') AS t,
    CASE WHEN s1."status" IN ($3) THEN s0."amount" END AS v0
  FROM "order_lines" s0
  LEFT JOIN "orders" s1 ON s0."order_id" = s1."order_id"
  WHERE ((s1."order_date" >= CAST($4 AS DATE) AND s1."order_date" < CAST($5 AS DATE)) OR (s1."order_date" >= CAST($6 AS DATE) AND s1."order_date" < CAST($7 AS DATE)))
) x
GROUP BY p, t
),
a1 AS (
SELECT p, t, SUM(v0) AS m1
FROM (
  SELECT CASE WHEN s0."refund_date" >= CAST($8 AS DATE) AND s0."refund_date" < CAST($9 AS DATE) THEN 0 ELSE 1 END AS p,
    to_char(date_trunc('month', CAST(s0."refund_date" AS TIMESTAMP)), 'YYYY-MM-DD') AS t,
    s0."amount" AS v0
  FROM "refunds" s0
  WHERE ((s0."refund_date" >= CAST($10 AS DATE) AND s0."refund_date" < CAST($11 AS DATE)) OR (s0."refund_date" >= CAST($12 AS DATE) AND s0."refund_date" < CAST($13 AS DATE)))
) x
GROUP BY p, t
),
u AS (
SELECT p, t, m0, CAST(NULL AS NUMERIC) AS m1 FROM a0
UNION ALL
SELECT p, t, CAST(NULL AS NUMERIC) AS m0, m1 FROM a1
),
g AS (
SELECT p, t, MAX(m0) AS m0, MAX(m1) AS m1
FROM u
GROUP BY p, t
),
pv AS (
SELECT t, MAX(CASE WHEN p = 0 THEN m0 END) AS m0, MAX(CASE WHEN p = 1 THEN m0 END) AS m0_p, MAX(CASE WHEN p = 0 THEN m1 END) AS m1, MAX(CASE WHEN p = 1 THEN m1 END) AS m1_p
FROM (SELECT p, CASE WHEN p = 1 THEN CASE t WHEN $14 THEN CAST($15 AS TEXT) WHEN $16 THEN CAST($17 AS TEXT) WHEN $18 THEN CAST($19 AS TEXT) WHEN $20 THEN CAST($21 AS TEXT) WHEN $22 THEN CAST($23 AS TEXT) WHEN $24 THEN CAST($25 AS TEXT) END ELSE t END AS t, m0, m1 FROM g) x
WHERE t IS NOT NULL
GROUP BY t
)
SELECT *
FROM (
SELECT t AS "time",
  m0 AS "gmv",
  m0_p AS "gmv_previous",
  (m0 - m0_p) AS "gmv_change",
  (CAST((m0 - m0_p) AS DOUBLE PRECISION) / NULLIF(ABS(m0_p), 0)) AS "gmv_pct_change",
  (CAST(m1 AS DOUBLE PRECISION) / NULLIF(m0, 0)) AS "refund_rate",
  (CAST(m1_p AS DOUBLE PRECISION) / NULLIF(m0_p, 0)) AS "refund_rate_previous",
  ((CAST(m1 AS DOUBLE PRECISION) / NULLIF(m0, 0)) - (CAST(m1_p AS DOUBLE PRECISION) / NULLIF(m0_p, 0))) AS "refund_rate_change",
  (CAST(((CAST(m1 AS DOUBLE PRECISION) / NULLIF(m0, 0)) - (CAST(m1_p AS DOUBLE PRECISION) / NULLIF(m0_p, 0))) AS DOUBLE PRECISION) / NULLIF(ABS((CAST(m1_p AS DOUBLE PRECISION) / NULLIF(m0_p, 0))), 0)) AS "refund_rate_pct_change"
FROM pv
) r
ORDER BY r."time";
-- args: ["2026-06-01" "2026-12-01" "paid" "2026-06-01" "2026-12-01" "2025-06-01" "2025-12-01" "2026-06-01" "2026-12-01" "2026-06-01" "2026-12-01" "2025-06-01" "2025-12-01" "2025-06-01" "2026-06-01" "2025-07-01" "2026-07-01" "2025-08-01" "2026-08-01" "2025-09-01" "2026-09-01" "2025-10-01" "2026-10-01" "2025-11-01" "2026-11-01"]
