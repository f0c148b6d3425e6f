-- {"metrics":["active_customers_30d"],"grain":"week","time_range":{"start":"2026-11-02","end":"2026-11-30"},"compare":"same_period_last_year"}
WITH w0 AS (
SELECT 0 AS p, ? AS t, ? AS ws, ? AS we
UNION ALL SELECT 0 AS p, ? AS t, ? AS ws, ? AS we
UNION ALL SELECT 0 AS p, ? AS t, ? AS ws, ? AS we
UNION ALL SELECT 0 AS p, ? AS t, ? AS ws, ? AS we
UNION ALL SELECT 1 AS p, ? AS t, ? AS ws, ? AS we
UNION ALL SELECT 1 AS p, ? AS t, ? AS ws, ? AS we
UNION ALL SELECT 1 AS p, ? AS t, ? AS ws, ? AS we
UNION ALL SELECT 1 AS p, ? AS t, ? AS ws, ? AS we
),
a0 AS (
SELECT p, t, COUNT(DISTINCT v0) AS m0
FROM (
  SELECT w.p AS p,
    w.t AS t,
    CASE WHEN s0."status" IN (?) THEN s0."customer_id" END AS v0
  FROM "orders" s0
  JOIN w0 w ON s0."order_date" >= w.ws AND s0."order_date" < w.we
  WHERE s0."order_date" >= ? AND s0."order_date" < ?
) x
GROUP BY p, t
),
pv AS (
SELECT t, MAX(CASE WHEN p = 0 THEN m0 END) AS m0, MAX(CASE WHEN p = 1 THEN m0 END) AS m0_p
FROM (SELECT p, CASE WHEN p = 1 THEN CASE t WHEN ? THEN ? WHEN ? THEN ? WHEN ? THEN ? WHEN ? THEN ? END ELSE t END AS t, m0 FROM a0) x
WHERE t IS NOT NULL
GROUP BY t
)
SELECT *
FROM (
SELECT t AS "time",
  m0 AS "active_customers_30d",
  m0_p AS "active_customers_30d_previous",
  (m0 - m0_p) AS "active_customers_30d_change",
  (CAST((m0 - m0_p) AS REAL) / NULLIF(ABS(m0_p), 0)) AS "active_customers_30d_pct_change"
FROM pv
) r
ORDER BY r."time";
-- args: ["2026-11-02" "2026-10-10" "2026-11-09" "2026-11-09" "2026-10-17" "2026-11-16" "2026-11-16" "2026-10-24" "2026-11-23" "2026-11-23" "2026-10-31" "2026-11-30" "2025-11-03" "2025-10-11" "2025-11-10" "2025-11-10" "2025-10-18" "2025-11-17" "2025-11-17" "2025-10-25" "2025-11-24" "2025-11-24" "2025-11-01" "2025-12-01" "paid" "2025-10-11" "2026-11-30" "2025-11-03" "2026-11-02" "2025-11-10" "2026-11-09" "2025-11-17" "2026-11-16" "2025-11-24" "2026-11-23"]
