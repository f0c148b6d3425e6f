-- {"metrics":["aov","refund_rate","conversion_rate"],"group_by":["region"],"time_range":{"start":"2026-11-01","end":"2026-12-01"},"compare":"previous_period","order_by":[{"by":"aov","desc":true}],"limit":3}
WITH a0 AS (
SELECT p, d0, SUM(v0) AS m0, COUNT(DISTINCT v1) AS m1
FROM (
  SELECT CASE WHEN s1."order_date" >= CAST($1 AS DATE) AND s1."order_date" < CAST($2 AS DATE) THEN 0 ELSE 1 END AS p,
    s2."region" AS d0,
    CASE WHEN s1."status" IN ($3) THEN s0."amount" END AS v0,
    CASE WHEN s1."status" IN ($4) THEN s0."order_id" END AS v1
  FROM "order_lines" s0
  LEFT JOIN "orders" s1 ON s0."order_id" = s1."order_id"
  LEFT JOIN "stores" s2 ON s1."store_id" = s2."store_id"
  WHERE ((s1."order_date" >= CAST($5 AS DATE) AND s1."order_date" < CAST($6 AS DATE)) OR (s1."order_date" >= CAST($7 AS DATE) AND s1."order_date" < CAST($8 AS DATE)))
) x
GROUP BY p, d0
),
a1 AS (
SELECT p, d0, SUM(v0) AS m2
FROM (
  SELECT CASE WHEN s0."refund_date" >= CAST($9 AS DATE) AND s0."refund_date" < CAST($10 AS DATE) THEN 0 ELSE 1 END AS p,
    s2."region" AS d0,
    s0."amount" AS v0
  FROM "refunds" s0
  LEFT JOIN "orders" s1 ON s0."order_id" = s1."order_id"
  LEFT JOIN "stores" s2 ON s1."store_id" = s2."store_id"
  WHERE ((s0."refund_date" >= CAST($11 AS DATE) AND s0."refund_date" < CAST($12 AS DATE)) OR (s0."refund_date" >= CAST($13 AS DATE) AND s0."refund_date" < CAST($14 AS DATE)))
) x
GROUP BY p, d0
),
a2 AS (
SELECT p, d0, SUM(v0) AS m3
FROM (
  SELECT CASE WHEN s0."traffic_date" >= CAST($15 AS DATE) AND s0."traffic_date" < CAST($16 AS DATE) THEN 0 ELSE 1 END AS p,
    s1."region" AS d0,
    s0."visitors" AS v0
  FROM "store_traffic" s0
  LEFT JOIN "stores" s1 ON s0."store_id" = s1."store_id"
  WHERE ((s0."traffic_date" >= CAST($17 AS DATE) AND s0."traffic_date" < CAST($18 AS DATE)) OR (s0."traffic_date" >= CAST($19 AS DATE) AND s0."traffic_date" < CAST($20 AS DATE)))
) x
GROUP BY p, d0
),
u AS (
SELECT p, d0, m0, m1, CAST(NULL AS NUMERIC) AS m2, CAST(NULL AS NUMERIC) AS m3 FROM a0
UNION ALL
SELECT p, d0, CAST(NULL AS NUMERIC) AS m0, CAST(NULL AS NUMERIC) AS m1, m2, CAST(NULL AS NUMERIC) AS m3 FROM a1
UNION ALL
SELECT p, d0, CAST(NULL AS NUMERIC) AS m0, CAST(NULL AS NUMERIC) AS m1, CAST(NULL AS NUMERIC) AS m2, m3 FROM a2
),
g AS (
SELECT p, d0, MAX(m0) AS m0, MAX(m1) AS m1, MAX(m2) AS m2, MAX(m3) AS m3
FROM u
GROUP BY p, d0
),
pv AS (
SELECT d0, MAX(CASE WHEN p = 0 THEN m0 END) AS m0, MAX(CASE WHEN p = 1 THEN m0 END) AS m0_p, MAX(CASE WHEN p = 0 THEN m1 END) AS m1, MAX(CASE WHEN p = 1 THEN m1 END) AS m1_p, MAX(CASE WHEN p = 0 THEN m2 END) AS m2, MAX(CASE WHEN p = 1 THEN m2 END) AS m2_p, MAX(CASE WHEN p = 0 THEN m3 END) AS m3, MAX(CASE WHEN p = 1 THEN m3 END) AS m3_p
FROM (SELECT p, d0, m0, m1, m2, m3 FROM g) x
GROUP BY d0
)
SELECT *
FROM (
SELECT d0 AS "region",
  (CAST(m0 AS DOUBLE PRECISION) / NULLIF(m1, 0)) AS "aov",
  (CAST(m0_p AS DOUBLE PRECISION) / NULLIF(m1_p, 0)) AS "aov_previous",
  ((CAST(m0 AS DOUBLE PRECISION) / NULLIF(m1, 0)) - (CAST(m0_p AS DOUBLE PRECISION) / NULLIF(m1_p, 0))) AS "aov_change",
  (CAST(((CAST(m0 AS DOUBLE PRECISION) / NULLIF(m1, 0)) - (CAST(m0_p AS DOUBLE PRECISION) / NULLIF(m1_p, 0))) AS DOUBLE PRECISION) / NULLIF(ABS((CAST(m0_p AS DOUBLE PRECISION) / NULLIF(m1_p, 0))), 0)) AS "aov_pct_change",
  (CAST(m2 AS DOUBLE PRECISION) / NULLIF(m0, 0)) AS "refund_rate",
  (CAST(m2_p AS DOUBLE PRECISION) / NULLIF(m0_p, 0)) AS "refund_rate_previous",
  ((CAST(m2 AS DOUBLE PRECISION) / NULLIF(m0, 0)) - (CAST(m2_p AS DOUBLE PRECISION) / NULLIF(m0_p, 0))) AS "refund_rate_change",
  (CAST(((CAST(m2 AS DOUBLE PRECISION) / NULLIF(m0, 0)) - (CAST(m2_p AS DOUBLE PRECISION) / NULLIF(m0_p, 0))) AS DOUBLE PRECISION) / NULLIF(ABS((CAST(m2_p AS DOUBLE PRECISION) / NULLIF(m0_p, 0))), 0)) AS "refund_rate_pct_change",
  (CAST(m1 AS DOUBLE PRECISION) / NULLIF(m3, 0)) AS "conversion_rate",
  (CAST(m1_p AS DOUBLE PRECISION) / NULLIF(m3_p, 0)) AS "conversion_rate_previous",
  ((CAST(m1 AS DOUBLE PRECISION) / NULLIF(m3, 0)) - (CAST(m1_p AS DOUBLE PRECISION) / NULLIF(m3_p, 0))) AS "conversion_rate_change",
  (CAST(((CAST(m1 AS DOUBLE PRECISION) / NULLIF(m3, 0)) - (CAST(m1_p AS DOUBLE PRECISION) / NULLIF(m3_p, 0))) AS DOUBLE PRECISION) / NULLIF(ABS((CAST(m1_p AS DOUBLE PRECISION) / NULLIF(m3_p, 0))), 0)) AS "conversion_rate_pct_change"
FROM pv
) r
ORDER BY CASE WHEN r."aov" IS NULL THEN 1 ELSE 0 END, r."aov" DESC, r."region"
LIMIT 3;
-- args: ["2026-11-01" "2026-12-01" "paid" "paid" "2026-11-01" "2026-12-01" "2026-10-01" "2026-11-01" "2026-11-01" "2026-12-01" "2026-11-01" "2026-12-01" "2026-10-01" "2026-11-01" "2026-11-01" "2026-12-01" "2026-11-01" "2026-12-01" "2026-10-01" "2026-11-01"]
