-- {"metrics":["gmv"],"time_range":{"start":"2026-10-01","end":"2026-11-01"}}
WITH a0 AS (
SELECT SUM(v0) AS m0
FROM (
  SELECT CASE WHEN s1.`status` IN (?) THEN s0.`amount` END AS v0
  FROM `order_lines` s0
  LEFT JOIN `orders` s1 ON s0.`order_id` = s1.`order_id`
  WHERE s1.`order_date` >= CAST(? AS DATE) AND s1.`order_date` < CAST(? AS DATE)
) x
)
SELECT *
FROM (
SELECT m0 AS `gmv`
FROM a0
) r
ORDER BY 1;
-- args: ["paid" "2026-10-01" "2026-11-01"]
