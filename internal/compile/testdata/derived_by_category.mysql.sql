-- {"metrics":["gross_profit","gross_margin"],"group_by":["category"],"time_range":{"start":"2026-10-01","end":"2026-11-01"}}
WITH a0 AS (
SELECT d0, SUM(v0) AS m0, SUM(v1) AS m1
FROM (
  SELECT s3.`category_name` AS d0,
    CASE WHEN s1.`status` IN (?) THEN s0.`amount` END AS v0,
    CASE WHEN s1.`status` IN (?) THEN s0.`cost_amount` END AS v1
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
  (m0 - m1) AS `gross_profit`,
  (((m0 - m1)) * 1e0 / NULLIF(m0, 0)) AS `gross_margin`
FROM a0
) r
ORDER BY r.`category`;
-- args: ["paid" "paid" "2026-10-01" "2026-11-01"]
