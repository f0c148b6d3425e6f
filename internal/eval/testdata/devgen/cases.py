# Case builder for dev.jsonl: periods worked out by hand from the conventions in nlq's package
# doc (today = the day of "now"; ranges half-open) and expected SQL from sqlkit.py.
import json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sqlkit import *

NOW = '2026-12-01'
# periods on 2026-12-01 (Tuesday); the demo's last day is 2026-11-30
P = {
    'last_month': (D(2026, 11, 1), D(2026, 12, 1)),
    'last30': (D(2026, 11, 1), D(2026, 12, 1)),
    'yesterday': (D(2026, 11, 30), D(2026, 12, 1)),
    'daybefore': (D(2026, 11, 29), D(2026, 11, 30)),
    'last_week': (D(2026, 11, 23), D(2026, 11, 30)),
    'week_before': (D(2026, 11, 16), D(2026, 11, 23)),
    'this_week': (D(2026, 11, 30), D(2026, 12, 2)),
    'last7': (D(2026, 11, 24), D(2026, 12, 1)),
    'last14': (D(2026, 11, 17), D(2026, 12, 1)),
    'half_month': (D(2026, 11, 16), D(2026, 12, 1)),
    'last28': (D(2026, 11, 3), D(2026, 12, 1)),
    'last56': (D(2026, 10, 6), D(2026, 12, 1)),
    'last84': (D(2026, 9, 8), D(2026, 12, 1)),
    'last_quarter': (D(2026, 7, 1), D(2026, 10, 1)),
    'this_quarter': (D(2026, 10, 1), D(2026, 12, 2)),
    'this_year': (D(2026, 1, 1), D(2026, 12, 2)),
    'last_year': (D(2025, 1, 1), D(2026, 1, 1)),
    'oct': (D(2026, 10, 1), D(2026, 11, 1)),
    'sep': (D(2026, 9, 1), D(2026, 10, 1)),
    'mar': (D(2026, 3, 1), D(2026, 4, 1)),
    'jun': (D(2026, 6, 1), D(2026, 7, 1)),
    'mar5': (D(2026, 3, 5), D(2026, 3, 6)),
    'd1111': (D(2026, 11, 11), D(2026, 11, 12)),
    'd618': (D(2026, 6, 18), D(2026, 6, 19)),
    'since_june': (D(2026, 6, 1), D(2026, 12, 2)),
    'last3m': (D(2026, 9, 1), D(2026, 12, 1)),
    'last6m': (D(2026, 6, 1), D(2026, 12, 1)),
    'last12m': (D(2025, 12, 1), D(2026, 12, 1)),
    'h1': (D(2026, 1, 1), D(2026, 7, 1)),
    'nov2025': (D(2025, 11, 1), D(2025, 12, 1)),
    'q2': (D(2026, 4, 1), D(2026, 7, 1)),
    'sep_nov': (D(2026, 9, 1), D(2026, 12, 1)),
    'mar_may': (D(2026, 3, 1), D(2026, 6, 1)),
    'golden_week': (D(2026, 10, 1), D(2026, 10, 8)),
    'y2025': (D(2025, 1, 1), D(2026, 1, 1)),
}
# on 2026-11-20 (Friday)
P20 = {
    'today': (D(2026, 11, 20), D(2026, 11, 21)),
    'this_month': (D(2026, 11, 1), D(2026, 11, 21)),
    'this_week': (D(2026, 11, 16), D(2026, 11, 21)),
    'yesterday': (D(2026, 11, 19), D(2026, 11, 20)),
    'last7': (D(2026, 11, 13), D(2026, 11, 20)),
    'last30': (D(2026, 10, 21), D(2026, 11, 20)),
}
# on 2026-11-15 (Sunday)
P15 = {
    'last30': (D(2026, 10, 16), D(2026, 11, 15)),
    'last7': (D(2026, 11, 8), D(2026, 11, 15)),
    'last_week': (D(2026, 11, 2), D(2026, 11, 9)),
    'this_month': (D(2026, 11, 1), D(2026, 11, 16)),
}

cases = []
counter = {}


def prev_of(r):
    s, e = r
    if s.day == 1 and e.day == 1:
        n = (e.year - s.year) * 12 + e.month - s.month
        y, m = s.year, s.month - n
        while m < 1:
            m += 12
            y -= 1
        return (D(y, m, 1), s)
    days = (e - s).days
    return (s - dt.timedelta(days=days), s)


def year_ago(r):
    s, e = r
    return (D(s.year - 1, s.month, s.day), D(e.year - 1, e.month, e.day))


def qjson(metrics, r, by=(), grain=None, filters=None, notin=None, compare=None, having=None, limit=None, share=None, order=None):
    q = {'metrics': list(metrics), 'group_by': list(by), 'time_range': {'start': iso(r[0]), 'end': iso(r[1])}}
    if grain:
        q['grain'] = grain
    if compare is not None:
        q['compare'] = compare
    fl = []
    for d, v in (filters or {}).items():
        fl.append({'dimension': d, 'op': 'in', 'values': list(v)})
    for d, v in (notin or {}).items():
        fl.append({'dimension': d, 'op': 'not_in', 'values': list(v)})
    if filters is not None or notin is not None:
        q['filters'] = fl
    if having:
        q['having'] = [{'metric': m, 'op': op, 'value': x} for m, op, x in having]
    if limit is not None:
        q['limit'] = limit
    if share is not None:
        q['share'] = share
    return q


def add(intent, lang, question, metrics=None, r=None, by=(), grain=None, filters=None, notin=None,
        compare=None, having=None, limit=None, order=None, share=None, now=NOW, previous=None,
        status='answer', metric=None, options=None, checkfilters=True, sql=None, query=None):
    counter[intent] = counter.get(intent, 0) + 1
    c = {'id': f'{lang}-{intent}-{counter[intent]:03d}', 'question': question, 'now': now, 'lang': lang, 'intent': intent}
    if previous is not None:
        c['previous'] = previous
    e = {'status': status}
    if status == 'answer':
        prev = None
        shift = None
        if compare == 'previous_period':
            prev = prev_of(r)
            if grain:
                delta = (r[0] - prev[0]).days
                shift = lambda t, delta=delta: f"date({t}, '+{delta} days')"
                if grain == 'month':
                    n = (r[0].year - prev[0].year) * 12 + r[0].month - prev[0].month
                    shift = lambda t, n=n: f"date({t}, '+{n} months')"
        elif compare == 'same_period_last_year':
            prev = year_ago(r)
            shift = lambda t: f"date({t}, '+1 year')"
            if grain == 'week':
                shift = lambda t: f"date({t}, '+364 days')"
        e['query'] = query or qjson(metrics, r, by, grain, filters if checkfilters else None,
                                    notin if checkfilters else None, compare, having, limit, share)
        e['sql'] = sql or globals()['query'](metrics, r[0], r[1], by, grain, filters, notin, prev, having, order, limit, shift)
    elif status == 'define':
        e['metric'] = metric
    elif status == 'clarify':
        e['options'] = options
    c['expect'] = e
    cases.append(c)
    return c


def prevq(metrics, r, by=(), filters=None, grain=None, compare=None):
    q = {'metrics': metrics, 'time_range': {'start': iso(r[0]), 'end': iso(r[1])}}
    if by:
        q['group_by'] = list(by)
    if grain:
        q['grain'] = grain
    if filters:
        q['filters'] = [{'dimension': d, 'op': 'in', 'values': v} for d, v in filters.items()]
    if compare:
        q['compare'] = compare
    return q
