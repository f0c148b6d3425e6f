-- {"metrics":["units"],"group_by":["store"],"filters":[{"dimension":"store","op":"contains","values":["上海","50%_!"]}],"time_range":{"start":"2026-10-01","end":"2026-11-01"}}
WITH a0 AS (
SELECT d0, SUM(v0) AS m0
FROM (
  SELECT s2."store_name" AS d0,
    CASE WHEN s1."status" IN ($1) THEN s0."quantity" END AS v0
  FROM "order_lines" s0
  LEFT JOIN "orders" s1 ON s0."order_id" = s1."order_id"
  LEFT JOIN "stores" s2 ON s1."store_id" = s2."store_id"
  WHERE s1."order_date" >= CAST($2 AS DATE) AND s1."order_date" < CAST($3 AS DATE)
    AND (LOWER(s2."store_name") LIKE $4 ESCAPE '!' OR LOWER(s2."store_name") LIKE $5 ESCAPE '!')
) x
GROUP BY d0
)
SELECT *
FROM (
SELECT d0 AS "store",
  m0 AS "units"
FROM a0
) r
ORDER BY r."store";
-- args: ["paid" "2026-10-01" "2026-11-01" "%上海%" "%50!%!_!!%"]
