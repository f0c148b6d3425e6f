-- {"metrics":["gmv","shipping_fee","order_count","visitors"],"group_by":["channel"],"time_range":{"start":"2026-11-01","end":"2026-11-08"}}
WITH a0 AS (
SELECT d0, SUM(v0) AS m0, COUNT(DISTINCT v1) AS m2
FROM (
  SELECT s2."channel_name" AS d0,
    CASE WHEN s1."status" IN ($1) THEN s0."amount" END AS v0,
    CASE WHEN s1."status" IN ($2) THEN s0."order_id" END AS v1
  FROM "order_lines" s0
  LEFT JOIN "orders" s1 ON s0."order_id" = s1."order_id"
  LEFT JOIN "channels" s2 ON s1."channel_id" = s2."channel_id"
  WHERE s1."order_date" >= CAST($3 AS DATE) AND s1."order_date" < CAST($4 AS DATE)
) x
GROUP BY d0
),
a1 AS (
SELECT d0, SUM(v0) AS m1
FROM (
  SELECT s1."channel_name" AS d0,
    CASE WHEN s0."status" IN ($5) THEN s0."shipping_fee" END AS v0
  FROM "orders" s0
  LEFT JOIN "channels" s1 ON s0."channel_id" = s1."channel_id"
  WHERE s0."order_date" >= CAST($6 AS DATE) AND s0."order_date" < CAST($7 AS DATE)
) x
GROUP BY d0
),
a2 AS (
SELECT d0, SUM(v0) AS m3
FROM (
  SELECT s1."channel_name" AS d0,
    s0."visitors" AS v0
  FROM "store_traffic" s0
  LEFT JOIN "channels" s1 ON s0."channel_id" = s1."channel_id"
  WHERE s0."traffic_date" >= CAST($8 AS DATE) AND s0."traffic_date" < CAST($9 AS DATE)
) x
GROUP BY d0
),
u AS (
SELECT d0, m0, CAST(NULL AS NUMERIC) AS m1, m2, CAST(NULL AS NUMERIC) AS m3 FROM a0
UNION ALL
SELECT d0, CAST(NULL AS NUMERIC) AS m0, m1, CAST(NULL AS NUMERIC) AS m2, CAST(NULL AS NUMERIC) AS m3 FROM a1
UNION ALL
SELECT d0, CAST(NULL AS NUMERIC) AS m0, CAST(NULL AS NUMERIC) AS m1, CAST(NULL AS NUMERIC) AS m2, m3 FROM a2
),
g AS (
SELECT d0, MAX(m0) AS m0, MAX(m1) AS m1, MAX(m2) AS m2, MAX(m3) AS m3
FROM u
GROUP BY d0
)
SELECT *
FROM (
SELECT d0 AS "channel",
  m0 AS "gmv",
  m1 AS "shipping_fee",
  m2 AS "order_count",
  m3 AS "visitors"
FROM g
) r
ORDER BY r."channel";
-- args: ["paid" "paid" "2026-11-01" "2026-11-08" "paid" "2026-11-01" "2026-11-08" "2026-11-01" "2026-11-08"]
