-- {"metrics":["avg_item_price","max_line_amount","min_line_amount"],"group_by":["category"],"time_range":{"start":"2026-11-01","end":"2026-12-01"}}
WITH a0 AS (
SELECT d0, AVG(v0) AS m0, MAX(v1) AS m1, MIN(v2) AS m2
FROM (
  SELECT s3.`category_name` AS d0,
    CASE WHEN s1.`status` IN (?) THEN s0.`unit_price` END AS v0,
    CASE WHEN s1.`status` IN (?) THEN s0.`amount` END AS v1,
    CASE WHEN s1.`status` IN (?) THEN s0.`amount` END AS v2
  FROM `order_lines` s0
  LEFT JOIN `orders` s1 ON s0.`order_id` = s1.`order_id`
  LEFT JOIN `products` s2 ON s0.`product_id` = s2.`product_id`
  LEFT JOIN `categories` s3 ON s2.`category_id` = s3.`category_id`
  WHERE s1.`order_date` >= CAST(? AS DATE) AND s1.`order_date` < CAST(? AS DATE)
) x
GROUP BY d0
)
SELECT *
FROM (
SELECT d0 AS `category`,
  m0 AS `avg_item_price`,
  m1 AS `max_line_amount`,
  m2 AS `min_line_amount`
FROM a0
) r
ORDER BY r.`category`;
-- args: ["paid" "paid" "paid" "2026-11-01" "2026-12-01"]
