-- {"metrics":["gmv"],"group_by":["channel"],"time_range":{"start":"2026-10-01","end":"2026-11-01"},"order_by":[{"by":"gmv"}],"limit":2,"share":true}
WITH a0 AS (
SELECT d0, SUM(v0) AS m0
FROM (
  SELECT s2.`channel_name` AS d0,
    CASE WHEN s1.`status` IN (?) THEN s0.`amount` END AS v0
  FROM `order_lines` s0
  LEFT JOIN `orders` s1 ON s0.`order_id` = s1.`order_id`
  LEFT JOIN `channels` s2 ON s1.`channel_id` = s2.`channel_id`
  WHERE s1.`order_date` >= CAST(? AS DATE) AND s1.`order_date` < CAST(? AS DATE)
) x
GROUP BY d0
)
SELECT *
FROM (
SELECT d0 AS `channel`,
  m0 AS `gmv`,
  ((m0) * 1e0 / NULLIF(SUM(m0) OVER (), 0)) AS `gmv_share`
FROM a0
) r
ORDER BY CASE WHEN r.`gmv` IS NULL THEN 1 ELSE 0 END, r.`gmv` ASC, r.`channel`
LIMIT 2;
-- args: ["paid" "2026-10-01" "2026-11-01"]
