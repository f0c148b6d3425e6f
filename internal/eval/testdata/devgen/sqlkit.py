# Hand-written SQL for the demo warehouse (SQLite dialect): explicit joins, the paid-order filter
# and literal dates. Independent of metricbot's compiler; it never imports or calls it.
import datetime as dt

D = dt.date

def iso(d):
    return d.isoformat()

# dimension -> (column expression, table alias needed)
DIM = {
    'region': ('s.region', 's'), 'province': ('s.province', 's'), 'city': ('s.city', 's'),
    'store': ('s.store_name', 's'), 'channel': ('ch.channel_name', 'ch'),
    'channel_type': ('ch.channel_type', 'ch'), 'category': ('c.category_name', 'c'),
    'product': ('p.product_name', 'p'), 'customer_type': ('o.customer_type', 'o'),
}

# fact sources: date column, base FROM, how to join each alias
FACT = {
    'lines': dict(date='o.order_date', base='order_lines l JOIN orders o ON o.order_id = l.order_id',
                  where=["o.status = 'paid'"],
                  joins={'s': 'JOIN stores s ON s.store_id = o.store_id',
                         'ch': 'JOIN channels ch ON ch.channel_id = o.channel_id',
                         'p': 'JOIN products p ON p.product_id = l.product_id',
                         'c': 'JOIN products p ON p.product_id = l.product_id JOIN categories c ON c.category_id = p.category_id',
                         'o': ''}),
    'orders': dict(date='o.order_date', base='orders o', where=["o.status = 'paid'"],
                   joins={'s': 'JOIN stores s ON s.store_id = o.store_id',
                          'ch': 'JOIN channels ch ON ch.channel_id = o.channel_id', 'o': ''}),
    'refunds': dict(date='r.refund_date', base='refunds r', where=[],
                    joins={'o': 'JOIN orders o ON o.order_id = r.order_id',
                           's': 'JOIN orders o ON o.order_id = r.order_id JOIN stores s ON s.store_id = o.store_id',
                           'ch': 'JOIN orders o ON o.order_id = r.order_id JOIN channels ch ON ch.channel_id = o.channel_id',
                           'p': 'JOIN products p ON p.product_id = r.product_id',
                           'c': 'JOIN products p ON p.product_id = r.product_id JOIN categories c ON c.category_id = p.category_id'}),
    'traffic': dict(date='t.traffic_date', base='store_traffic t', where=[],
                    joins={'s': 'JOIN stores s ON s.store_id = t.store_id',
                           'ch': 'JOIN channels ch ON ch.channel_id = t.channel_id'}),
}

# simple aggregates: metric -> (fact, aggregate expression, extra where)
SIMPLE = {
    'gmv': ('lines', 'SUM(l.amount)', []),
    'order_count': ('lines', 'COUNT(DISTINCT l.order_id)', []),
    'units': ('lines', 'SUM(l.quantity)', []),
    'cost': ('lines', 'SUM(l.cost_amount)', []),
    'gross_profit': ('lines', 'SUM(l.amount) - SUM(l.cost_amount)', []),
    'gross_margin': ('lines', '(SUM(l.amount) - SUM(l.cost_amount)) * 1.0 / SUM(l.amount)', []),
    'aov': ('lines', 'SUM(l.amount) * 1.0 / COUNT(DISTINCT l.order_id)', []),
    'avg_item_price': ('lines', 'AVG(l.unit_price)', []),
    'max_line_amount': ('lines', 'MAX(l.amount)', []),
    'min_line_amount': ('lines', 'MIN(l.amount)', []),
    'online_order_share': ('lines', "COUNT(DISTINCT CASE WHEN ch.channel_type = '线上' THEN l.order_id END) * 1.0 / COUNT(DISTINCT l.order_id)", ['ch']),
    'shipping_fee': ('orders', 'SUM(o.shipping_fee)', []),
    'new_customers': ('orders', "COUNT(DISTINCT CASE WHEN o.customer_type = '新客' THEN o.customer_id END)", []),
    'active_customers': ('orders', 'COUNT(DISTINCT o.customer_id)', []),
    'refund_amount': ('refunds', 'SUM(r.amount)', []),
    'visitors': ('traffic', 'SUM(t.visitors)', []),
}

# ratios across sources: metric -> (numerator metric, denominator metric)
CROSS = {'refund_rate': ('refund_amount', 'gmv'), 'conversion_rate': ('order_count', 'visitors')}


def bucket(expr, grain):
    if grain is None:
        return None
    if grain == 'day':
        return expr
    if grain == 'week':
        return f"date({expr}, '-6 days', 'weekday 1')"
    if grain == 'month':
        return f"substr({expr}, 1, 7) || '-01'"
    if grain == 'quarter':
        return f"substr({expr}, 1, 5) || printf('%02d', ((CAST(substr({expr}, 6, 2) AS INTEGER) - 1) / 3) * 3 + 1) || '-01'"
    if grain == 'year':
        return f"substr({expr}, 1, 4) || '-01-01'"
    raise ValueError(grain)


def quote(v):
    return "'" + v.replace("'", "''") + "'"


def simple(metric, start, end, by=(), grain=None, filters=None, notin=None):
    """SELECT k0.., [t], v FROM ... for a simple-source metric."""
    fact, agg, extra = SIMPLE[metric]
    f = FACT[fact]
    aliases = []
    for a in list(extra) + [DIM[d][1] for d in by] + [DIM[d][1] for d in (filters or {})] + [DIM[d][1] for d in (notin or {})]:
        if a not in f['joins']:
            raise ValueError(f'{metric} cannot reach {a}')
        if a not in aliases:
            aliases.append(a)
    joins = []
    for a in aliases:
        j = f['joins'][a]
        # 'c' implies p; skip p if c present and vice versa handled by dedupe on text
        if a == 'p' and 'c' in aliases:
            continue
        if a == 'o' and any(x in aliases for x in ('s', 'ch')) and fact == 'refunds':
            continue
        if j and j not in joins:
            joins.append(j)
    # refunds: s and ch both join orders; merge
    text = ' '.join(joins)
    if fact == 'refunds' and 's' in aliases and 'ch' in aliases:
        text = text.replace('JOIN orders o ON o.order_id = r.order_id JOIN channels', 'JOIN channels')
    where = list(f['where'])
    where.append(f"{f['date']} >= '{iso(start)}' AND {f['date']} < '{iso(end)}'")
    for d, vals in (filters or {}).items():
        where.append(f"{DIM[d][0]} IN ({', '.join(quote(v) for v in vals)})")
    for d, vals in (notin or {}).items():
        where.append(f"{DIM[d][0]} NOT IN ({', '.join(quote(v) for v in vals)})")
    keys = [f'{DIM[d][0]} AS k{i}' for i, d in enumerate(by)]
    gkeys = [DIM[d][0] for d in by]
    if grain:
        keys.append(bucket(f['date'], grain) + ' AS t')
        gkeys.append(bucket(f['date'], grain))
    sel = ', '.join(keys + [f'{agg} AS v'])
    sql = f"SELECT {sel} FROM {f['base']} {text} WHERE {' AND '.join(where)}".replace('  ', ' ')
    if gkeys:
        sql += ' GROUP BY ' + ', '.join(gkeys)
    return sql


def keycols(by, grain):
    return [f'k{i}' for i in range(len(by))] + (['t'] if grain else [])


def metric_sql(metric, start, end, by=(), grain=None, filters=None, notin=None):
    if metric in SIMPLE:
        return simple(metric, start, end, by, grain, filters, notin)
    if metric in CROSS:
        n, d = CROSS[metric]
        ks = keycols(by, grain)
        a = simple(n, start, end, by, grain, filters, notin)
        b = simple(d, start, end, by, grain, filters, notin)
        sel = ', '.join([f'b.{k} AS {k}' for k in ks] + ['a.v * 1.0 / b.v AS v'])
        if ks:
            on = ' AND '.join(f'a.{k} = b.{k}' for k in ks)
            return f'SELECT {sel} FROM ({b}) b LEFT JOIN ({a}) a ON {on}'
        return f'SELECT {sel} FROM ({b}) b, ({a}) a'
    raise ValueError(metric)


def query(metrics, start, end, by=(), grain=None, filters=None, notin=None, prev=None,
          having=None, order=None, limit=None, prev_shift=None):
    """Full expected SQL: keys, then per metric value [and previous].

    prev: (pstart, pend) of the comparison period; for trends prev_shift(t_sql) maps a current
    bucket label to the comparison bucket label in SQL.
    having: (metric, op, value); order: 'desc'/'asc' on first metric; limit: n.
    """
    ks = keycols(by, grain)
    parts = []
    for i, m in enumerate(metrics):
        parts.append((f'm{i}', metric_sql(m, start, end, by, grain, filters, notin)))
        if prev:
            if grain:
                # previous buckets relabelled onto the current ones
                psql = metric_sql(m, prev[0], prev[1], by, grain, filters, notin)
                parts.append((f'p{i}', psql))
            else:
                parts.append((f'p{i}', metric_sql(m, prev[0], prev[1], by, grain, filters, notin)))
    first = parts[0][0]
    cols = [f'{first}.{k} AS {k}' for k in ks]
    vals = []
    for i, m in enumerate(metrics):
        vals.append(f'm{i}.v AS v{i}')
        if prev:
            vals.append(f'p{i}.v AS pv{i}')
    frm = f'({parts[0][1]}) {first}'
    for name, sql in parts[1:]:
        if ks:
            conds = []
            for k in ks:
                if k == 't' and name.startswith('p'):
                    conds.append(f'{prev_shift(name + ".t")} = {first}.t')
                else:
                    conds.append(f'{name}.{k} = {first}.{k}')
            frm += f' LEFT JOIN ({sql}) {name} ON ' + ' AND '.join(conds)
        else:
            frm += f' CROSS JOIN ({sql}) {name}'
    sql = f"SELECT {', '.join(cols + vals)} FROM {frm}"
    if having:
        conds = []
        for m, op, x in having:
            sym = {'gt': '>', 'gte': '>=', 'lt': '<', 'lte': '<='}[op]
            conds.append(f'h.v{metrics.index(m)} {sym} {x}')
        sql = f"SELECT * FROM ({sql}) h WHERE {' AND '.join(conds)}"
    if order:
        sql += f" ORDER BY v0 {'DESC' if order == 'desc' else 'ASC'}"
    if limit:
        sql += f' LIMIT {limit}'
    return sql
