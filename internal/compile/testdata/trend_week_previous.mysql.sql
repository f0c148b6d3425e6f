-- {"metrics":["visitors"],"group_by":["region"],"grain":"week","filters":[{"dimension":"region","op":"eq","values":["西南"]}],"time_range":{"start":"2026-11-04","end":"2026-11-25"},"compare":"previous_period"}
WITH a0 AS (
SELECT p, t, d0, SUM(v0) AS m0
FROM (
  SELECT CASE WHEN s0.`traffic_date` >= CAST(? AS DATE) AND s0.`traffic_date` < CAST(? AS DATE) THEN 0 ELSE 1 END AS p,
    DATE_FORMAT(DATE_SUB(DATE(s0.`traffic_date`), INTERVAL WEEKDAY(s0.`traffic_date`) DAY), '%Y-%m-%d') AS t,
    s1.`region` AS d0,
    s0.`visitors` AS v0
  FROM `store_traffic` s0
  LEFT JOIN `stores` s1 ON s0.`store_id` = s1.`store_id`
  WHERE ((s0.`traffic_date` >= CAST(? AS DATE) AND s0.`traffic_date` < CAST(? AS DATE)) OR (s0.`traffic_date` >= CAST(? AS DATE) AND s0.`traffic_date` < CAST(? AS DATE)))
    AND s1.`region` = ?
) x
GROUP BY p, t, d0
),
pv AS (
SELECT t, d0, MAX(CASE WHEN p = 0 THEN m0 END) AS m0, MAX(CASE WHEN p = 1 THEN m0 END) AS m0_p
FROM (SELECT p, CASE WHEN p = 1 THEN CASE t WHEN ? THEN CAST(? AS CHAR) WHEN ? THEN CAST(? AS CHAR) WHEN ? THEN CAST(? AS CHAR) WHEN ? THEN CAST(? AS CHAR) END ELSE t END AS t, d0, m0 FROM a0) x
WHERE t IS NOT NULL
GROUP BY t, d0
)
SELECT *
FROM (
SELECT d0 AS `region`,
  t AS `time`,
  m0 AS `visitors`,
  m0_p AS `visitors_previous`,
  (m0 - m0_p) AS `visitors_change`,
  (((m0 - m0_p)) * 1e0 / NULLIF(ABS(m0_p), 0)) AS `visitors_pct_change`
FROM pv
) r
ORDER BY r.`time`, r.`region`;
-- args: ["2026-11-04" "2026-11-25" "2026-11-04" "2026-11-25" "2026-10-14" "2026-11-04" "西南" "2026-10-12" "2026-11-02" "2026-10-19" "2026-11-09" "2026-10-26" "2026-11-16" "2026-11-02" "2026-11-23"]
