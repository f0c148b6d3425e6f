-- {"metrics":["gmv","order_count"],"group_by":["region"],"time_range":{"start":"2026-10-01","end":"2026-11-01"}}
WITH a0 AS (
SELECT d0, SUM(v0) AS m0, COUNT(DISTINCT v1) AS m1
FROM (
  SELECT s2.`region` AS d0,
    CASE WHEN s1.`status` IN (?) THEN s0.`amount` END AS v0,
    CASE WHEN s1.`status` IN (?) THEN s0.`order_id` END AS v1
  FROM `order_lines` s0
  LEFT JOIN `orders` s1 ON s0.`order_id` = s1.`order_id`
  LEFT JOIN `stores` s2 ON s1.`store_id` = s2.`store_id`
  WHERE s1.`order_date` >= CAST(? AS DATE) AND s1.`order_date` < CAST(? AS DATE)
) x
GROUP BY d0
)
SELECT *
FROM (
SELECT d0 AS `region`,
  m0 AS `gmv`,
  m1 AS `order_count`
FROM a0
) r
ORDER BY r.`region`;
-- args: ["paid" "paid" "2026-10-01" "2026-11-01"]
