-- {"metrics":["order_count","gmv"],"group_by":["store"],"having":[{"metric":"order_count","op":"gt","value":1000}],"time_range":{"start":"2026-10-01","end":"2026-11-01"},"order_by":[{"by":"gmv","desc":true}]}
WITH a0 AS (
SELECT d0, COUNT(DISTINCT v0) AS m0, SUM(v1) AS m1
FROM (
  SELECT s2.`store_name` AS d0,
    CASE WHEN s1.`status` IN (?) THEN s0.`order_id` END AS v0,
    CASE WHEN s1.`status` IN (?) THEN s0.`amount` END AS v1
  FROM `order_lines` s0
  LEFT JOIN `orders` s1 ON s0.`order_id` = s1.`order_id`
  LEFT JOIN `stores` s2 ON s1.`store_id` = s2.`store_id`
  WHERE s1.`order_date` >= CAST(? AS DATE) AND s1.`order_date` < CAST(? AS DATE)
) x
GROUP BY d0
)
SELECT *
FROM (
SELECT d0 AS `store`,
  m0 AS `order_count`,
  m1 AS `gmv`
FROM a0
) r
WHERE r.`order_count` > ?
ORDER BY CASE WHEN r.`gmv` IS NULL THEN 1 ELSE 0 END, r.`gmv` DESC, r.`store`;
-- args: ["paid" "paid" "2026-10-01" "2026-11-01" %!q(float64=1000)]
