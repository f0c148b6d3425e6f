-- {"metrics":["gmv"],"group_by":["channel"],"filters":[{"dimension":"channel","op":"not_in","values":["天猫"]},{"dimension":"region","op":"in","values":["华东","华北"]},{"dimension":"category","op":"eq","values":["家电"]}],"time_range":{"start":"2026-10-01","end":"2026-11-01"}}
WITH a0 AS (
SELECT d0, SUM(v0) AS m0
FROM (
  SELECT s2."channel_name" AS d0,
    CASE WHEN s1."status" IN ($1) THEN s0."amount" END AS v0
  FROM "order_lines" s0
  LEFT JOIN "orders" s1 ON s0."order_id" = s1."order_id"
  LEFT JOIN "channels" s2 ON s1."channel_id" = s2."channel_id"
  LEFT JOIN "stores" s3 ON s1."store_id" = s3."store_id"
  LEFT JOIN "products" s4 ON s0."product_id" = s4."product_id"
  LEFT JOIN "categories" s5 ON s4."category_id" = s5."category_id"
  WHERE s1."order_date" >= CAST($2 AS DATE) AND s1."order_date" < CAST($3 AS DATE)
    AND (s2."channel_name" NOT IN ($4) OR s2."channel_name" IS NULL)
    AND s3."region" IN ($5, $6)
    AND s5."category_name" = $7
) x
GROUP BY d0
)
SELECT *
FROM (
SELECT d0 AS "channel",
  m0 AS "gmv"
FROM a0
) r
ORDER BY r."channel";
-- args: ["paid" "2026-10-01" "2026-11-01" "天猫" "华东" "华北" "家电"]
