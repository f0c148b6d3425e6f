-- {"metrics":["active_customers_30d"],"grain":"week","time_range":{"start":"2026-11-02","end":"2026-11-30"},"compare":"same_period_last_year"}
WITH w0 AS (
SELECT 0 AS p, CAST($1 AS TEXT) AS t, CAST($2 AS DATE) AS ws, CAST($3 AS DATE) AS we
UNION ALL SELECT 0 AS p, CAST($4 AS TEXT) AS t, CAST($5 AS DATE) AS ws, CAST($6 AS DATE) AS we
UNION ALL SELECT 0 AS p, CAST($7 AS TEXT) AS t, CAST($8 AS DATE) AS ws, CAST($9 AS DATE) AS we
UNION ALL SELECT 0 AS p, CAST($10 AS TEXT) AS t, CAST($11 AS DATE) AS ws, CAST($12 AS DATE) AS we
UNION ALL SELECT 1 AS p, CAST($13 AS TEXT) AS t, CAST($14 AS DATE) AS ws, CAST($15 AS DATE) AS we
UNION ALL SELECT 1 AS p, CAST($16 AS TEXT) AS t, CAST($17 AS DATE) AS ws, CAST($18 AS DATE) AS we
UNION ALL SELECT 1 AS p, CAST($19 AS TEXT) AS t, CAST($20 AS DATE) AS ws, CAST($21 AS DATE) AS we
UNION ALL SELECT 1 AS p, CAST($22 AS TEXT) AS t, CAST($23 AS DATE) AS ws, CAST($24 AS DATE) AS we
),
a0 AS (
SELECT p, t, COUNT(DISTINCT v0) AS m0
FROM (
  SELECT w.p AS p,
    w.t AS t,
    CASE WHEN s0."status" IN ($25) THEN s0."customer_id" END AS v0
  FROM "orders" s0
  JOIN w0 w ON s0."order_date" >= w.ws AND s0."order_date" < w.we
  WHERE s0."order_date" >= CAST($26 AS DATE) AND s0."order_date" < CAST($27 AS DATE)
) x
GROUP BY p, t
),
pv AS (
SELECT t, MAX(CASE WHEN p = 0 THEN m0 END) AS m0, MAX(CASE WHEN p = 1 THEN m0 END) AS m0_p
FROM (SELECT p, CASE WHEN p = 1 THEN CASE t WHEN $28 THEN CAST($29 AS TEXT) WHEN $30 THEN CAST($31 AS TEXT) WHEN $32 THEN CAST($33 AS TEXT) WHEN $34 THEN CAST($35 AS TEXT) END ELSE t END AS t, m0 FROM a0) x
WHERE t IS NOT NULL
GROUP BY t
)
SELECT *
FROM (
SELECT t AS "time",
  m0 AS "active_customers_30d",
  m0_p AS "active_customers_30d_previous",
  (m0 - m0_p) AS "active_customers_30d_change",
  (CAST((m0 - m0_p) AS DOUBLE PRECISION) / NULLIF(ABS(m0_p), 0)) AS "active_customers_30d_pct_change"
FROM pv
) r
ORDER BY r."time";
-- args: ["2026-11-02" "2026-10-10" "2026-11-09" "2026-11-09" "2026-10-17" "2026-11-16" "2026-11-16" "2026-10-24" "2026-11-23" "2026-11-23" "2026-10-31" "2026-11-30" "2025-11-03" "2025-10-11" "2025-11-10" "2025-11-10" "2025-10-18" "2025-11-17" "2025-11-17" "2025-10-25" "2025-11-24" "2025-11-24" "2025-11-01" "2025-12-01" "paid" "2025-10-11" "2026-11-30" "2025-11-03" "2026-11-02" "2025-11-10" "2026-11-09" "2025-11-17" "2026-11-16" "2025-11-24" "2026-11-23"]
