-- {"metrics":["online_order_share"],"group_by":["region"],"time_range":{"start":"2026-10-01","end":"2026-11-01"}}
WITH a0 AS (
SELECT d0, COUNT(DISTINCT v0) AS m0, COUNT(DISTINCT v1) AS m1
FROM (
  SELECT s2."region" AS d0,
    CASE WHEN s1."status" IN ($1) AND s3."channel_type" IN ($2) THEN s0."order_id" END AS v0,
    CASE WHEN s1."status" IN ($3) THEN s0."order_id" END AS v1
  FROM "order_lines" s0
  LEFT JOIN "orders" s1 ON s0."order_id" = s1."order_id"
  LEFT JOIN "stores" s2 ON s1."store_id" = s2."store_id"
  LEFT JOIN "channels" s3 ON s1."channel_id" = s3."channel_id"
  WHERE s1."order_date" >= CAST($4 AS DATE) AND s1."order_date" < CAST($5 AS DATE)
) x
GROUP BY d0
)
SELECT *
FROM (
SELECT d0 AS "region",
  (CAST(m0 AS DOUBLE PRECISION) / NULLIF(m1, 0)) AS "online_order_share"
FROM a0
) r
ORDER BY r."region";
-- args: ["paid" "线上" "paid" "2026-10-01" "2026-11-01"]
