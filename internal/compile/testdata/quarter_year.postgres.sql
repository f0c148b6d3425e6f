-- {"metrics":["gmv","new_customers"],"grain":"quarter","time_range":{"start":"2025-01-01","end":"2026-12-01"}}
WITH a0 AS (
SELECT t, SUM(v0) AS m0
FROM (
  SELECT to_char(date_trunc('quarter', CAST(s1."order_date" AS TIMESTAMP)), 'YYYY-MM-DD') AS t,
    CASE WHEN s1."status" IN ($1) THEN s0."amount" END AS v0
  FROM "order_lines" s0
  LEFT JOIN "orders" s1 ON s0."order_id" = s1."order_id"
  WHERE s1."order_date" >= CAST($2 AS DATE) AND s1."order_date" < CAST($3 AS DATE)
) x
GROUP BY t
),
a1 AS (
SELECT t, COUNT(DISTINCT v0) AS m1
FROM (
  SELECT to_char(date_trunc('quarter', CAST(s0."order_date" AS TIMESTAMP)), 'YYYY-MM-DD') AS t,
    CASE WHEN s0."status" IN ($4) AND s0."customer_type" IN ($5) THEN s0."customer_id" END AS v0
  FROM "orders" s0
  WHERE s0."order_date" >= CAST($6 AS DATE) AND s0."order_date" < CAST($7 AS DATE)
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
  m0 AS "gmv",
  m1 AS "new_customers"
FROM g
) r
ORDER BY r."time";
-- args: ["paid" "2025-01-01" "2026-12-01" "paid" "新客" "2025-01-01" "2026-12-01"]
