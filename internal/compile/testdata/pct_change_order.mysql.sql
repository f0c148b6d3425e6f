-- {"metrics":["gmv"],"group_by":["region","channel"],"time_range":{"start":"2026-11-18","end":"2026-11-19"},"compare":"previous_period","order_by":[{"by":"gmv_pct_change"}],"limit":5}
WITH a0 AS (
SELECT p, d0, d1, SUM(v0) AS m0
FROM (
  SELECT CASE WHEN s1.`order_date` >= CAST(? AS DATE) AND s1.`order_date` < CAST(? AS DATE) THEN 0 ELSE 1 END AS p,
    s2.`region` AS d0,
    s3.`channel_name` AS d1,
    CASE WHEN s1.`status` IN (?) THEN s0.`amount` END AS v0
  FROM `order_lines` s0
  LEFT JOIN `orders` s1 ON s0.`order_id` = s1.`order_id`
  LEFT JOIN `stores` s2 ON s1.`store_id` = s2.`store_id`
  LEFT JOIN `channels` s3 ON s1.`channel_id` = s3.`channel_id`
  WHERE ((s1.`order_date` >= CAST(? AS DATE) AND s1.`order_date` < CAST(? AS DATE)) OR (s1.`order_date` >= CAST(? AS DATE) AND s1.`order_date` < CAST(? AS DATE)))
) x
GROUP BY p, d0, d1
),
pv AS (
SELECT d0, d1, MAX(CASE WHEN p = 0 THEN m0 END) AS m0, MAX(CASE WHEN p = 1 THEN m0 END) AS m0_p
FROM (SELECT p, d0, d1, m0 FROM a0) x
GROUP BY d0, d1
)
SELECT *
FROM (
SELECT d0 AS `region`,
  d1 AS `channel`,
  m0 AS `gmv`,
  m0_p AS `gmv_previous`,
  (m0 - m0_p) AS `gmv_change`,
  (((m0 - m0_p)) * 1e0 / NULLIF(ABS(m0_p), 0)) AS `gmv_pct_change`
FROM pv
) r
ORDER BY CASE WHEN r.`gmv_pct_change` IS NULL THEN 1 ELSE 0 END, r.`gmv_pct_change` ASC, r.`region`, r.`channel`
LIMIT 5;
-- args: ["2026-11-18" "2026-11-19" "paid" "2026-11-18" "2026-11-19" "2026-11-17" "2026-11-18"]
