"""Simulate the requests numerically (codes, times, outcomes), fully vectorised.

Times are int64 seconds since 1970-01-01 in local time (the store's naive TIMESTAMPs);
NULL times are -1. Unit quality is persistent per street and per department, with a
linear trend over the window, and drives speed and the citizens' verdicts. Those unit
traits (:class:`Traits`) are drawn once per seed; :func:`simulate` then runs on any slice
of days (a chunk), so a build can go chunk by chunk in bounded memory.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics.demo import categories as cats
from metrics.demo import timeline
from metrics.demo.hierarchy import KINDS, City

CHANNELS = ("hotline", "app", "wechat", "web", "letter", "visit", "patrol")
CITIZEN_CHANNEL_WEIGHTS = np.array([70, 10, 8, 5, 1, 1], dtype=float)
REQUESTS_PER_CAPITA = np.array([1.3, 1.1, 1.0, 0.6])   # by district kind (old_town first)
PROACTIVE_SHARE = 0.10
NOISE_NIGHT = ("噪音-社会生活",)
STATUS_DETAILS = ("已办结", "办理中", "已延期", "超期未办结")
HOUR = 3600


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _choose(rng: np.random.Generator, cum: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each j, an index drawn from the cumulative probabilities cum[rows[j]] (rows sum to 1).

    One searchsorted over the rows laid end to end (row r shifted by r), so no (n × width) matrix."""
    width = cum.shape[1]
    flat = (cum / cum[:, -1:] + np.arange(len(cum))[:, None]).ravel()   # each row ends at exactly r + 1
    u = rng.random(len(rows))
    picked = np.searchsorted(flat, rows + u, side="right") - rows * width
    return np.clip(picked, 0, width - 1)


def _dept_table(dept_codes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per category: cumulative choice probabilities and the dept index per choice (-1 = street)."""
    width = 1 + max(len(c.depts) for c in cats.CATEGORIES)
    prob = np.zeros((len(cats.CATEGORIES), width))
    target = np.full((len(cats.CATEGORIES), width), -1)
    for i, c in enumerate(cats.CATEGORIES):
        prob[i, 0] = c.street_only
        total = sum(w for _, w in c.depts) or 1.0
        for j, (code, w) in enumerate(c.depts, start=1):
            prob[i, j] = (1 - c.street_only) * w / total
            target[i, j] = dept_codes.index(code)
    prob[:, 0] += 1 - prob.sum(axis=1)
    return np.cumsum(prob, axis=1), target


@dataclass(frozen=True)
class Traits:
    """What is drawn once per seed and shared by every chunk: where requests fall and how units do."""

    grid_p: np.ndarray          # probability that a request falls in each grid
    street_patrol: np.ndarray   # how actively each street patrols (multiplier)
    street_q: np.ndarray        # street quality and its trend over the window
    street_trend: np.ndarray
    dept_q: np.ndarray          # department quality and trend
    dept_trend: np.ndarray


def draw_traits(rng: np.random.Generator, city: City) -> Traits:
    g_weight = city.grid_population * REQUESTS_PER_CAPITA[city.grid_kind] * rng.lognormal(0, 0.35, len(city.grid_ids))
    n_streets, n_depts = len(city.street_ids), len(city.dept_codes)
    return Traits(
        grid_p=g_weight / g_weight.sum(), street_patrol=rng.lognormal(0, 0.5, n_streets),
        street_q=rng.normal(0, 0.45, n_streets), street_trend=rng.normal(0, 0.6, n_streets),
        dept_q=rng.normal(0, 0.35, n_depts), dept_trend=rng.normal(0, 0.5, n_depts),
    )


def daily_volume(city: City, traits: Traits, window: timeline.Window) -> np.ndarray:
    """Probability that a request arrives on each day of the window (season of the city's mix)."""
    kind_share = np.bincount(city.grid_kind, weights=traits.grid_p, minlength=len(KINDS))
    seasonal_volume = np.einsum("k,kc,cm->m", kind_share, cats.mix_by_kind(), cats.seasonality())
    return timeline.daily_weights(window.days(), seasonal_volume)


def _arrivals(rng: np.random.Generator, city: City, traits: Traits, day: np.ndarray,
              window: timeline.Window) -> dict[str, np.ndarray]:
    """Where, when and what for requests arriving on the given window days: grid, received time,
    category, source, channel."""
    n = len(day)
    mix, season = cats.mix_by_kind(), cats.seasonality()
    _, month_of_year, _ = timeline.calendar(window.days())
    grid = rng.choice(len(city.grid_ids), n, p=traits.grid_p)
    kind = city.grid_kind[grid]

    cat_prob = mix[:, None, :] * season.T[None, :, :]          # (kind, month of year, category)
    cum = np.cumsum(cat_prob / cat_prob.sum(axis=2, keepdims=True), axis=2).reshape(-1, len(cats.CATEGORIES))
    category = _choose(rng, cum, kind * 12 + month_of_year[day])

    patrol = np.array([c.patrol for c in cats.CATEGORIES])
    share = np.array([c.share for c in cats.CATEGORIES])
    base = PROACTIVE_SHARE / (share @ patrol / share.sum())
    street = city.grid_street[grid]
    proactive = rng.random(n) < np.minimum(base * patrol[category] * traits.street_patrol[street] / np.exp(0.125), 0.7)
    channel = rng.choice(6, n, p=CITIZEN_CHANNEL_WEIGHTS / CITIZEN_CHANNEL_WEIGHTS.sum())
    channel[proactive] = CHANNELS.index("patrol")

    night = np.isin(category, [cats.NAMES.index(c) for c in NOISE_NIGHT])
    profile = np.where(proactive, 1, np.where(night, 2, 0))
    hour = timeline.sample_hours(rng, profile)
    received = (window.seconds(window.first) + day.astype(np.int64) * 86_400 + hour * HOUR
                + rng.integers(0, HOUR, n))
    return dict(grid=grid, street=street, category=category, proactive=proactive, channel=channel,
                received=received)


def _effects(rng: np.random.Generator, city: City, traits: Traits, a: dict,
             frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Handling department (-1 = street alone) and the unit quality effect of each request."""
    n = len(frac)
    cum, target = _dept_table(city.dept_codes)
    dept = target[a["category"], _choose(rng, cum, a["category"])]
    s = a["street"]
    effect = traits.street_q[s] + traits.street_trend[s] * frac + 0.5 * frac
    has_dept = dept >= 0
    d = np.where(has_dept, dept, 0)
    effect = effect + np.where(has_dept, traits.dept_q[d] + traits.dept_trend[d] * frac, 0.0)
    return dept, effect + rng.normal(0, 0.1, n)


def simulate(rng: np.random.Generator, city: City, traits: Traits, day: np.ndarray,
             window: timeline.Window) -> dict[str, np.ndarray]:
    """All numeric request columns of requests arriving on ``day`` (window day indices, one per
    request), sorted by received time; ``day`` is returned sorted alongside."""
    n = len(day)
    a = _arrivals(rng, city, traits, day, window)
    start, stop = window.seconds(window.first), window.seconds(window.stop)
    received = a["received"]
    frac = (received - start) / (stop - start) - 0.5
    dept, effect = _effects(rng, city, traits, a, frac)
    cat = a["category"]
    proactive = a["proactive"]
    difficulty = np.array([c.difficulty for c in cats.CATEGORIES])[cat]
    limit_days = np.array([c.limit_days for c in cats.CATEGORIES])[cat]
    urgent = rng.random(n) < np.array([c.urgent for c in cats.CATEGORIES])[cat] + 0.005

    respond_limit = np.where(urgent, 2.0, 24.0)
    limit_h = np.where(urgent, np.maximum(limit_days * 12, 12), limit_days * 24)
    resp_h = (rng.lognormal(np.log(np.where(urgent, 0.7, 4.0)), 1.0, n) * np.exp(-0.35 * effect)
              * (1 + 0.3 * difficulty))
    resp_h = np.where(proactive, rng.uniform(0.02, 0.5, n), resp_h)
    close_h = (rng.lognormal(np.log(0.3 * limit_h), 0.85, n) * np.exp(-0.3 * effect) * (1 + 0.4 * difficulty))
    stuck = rng.random(n) < 0.004
    close_h = np.where(stuck, close_h * rng.uniform(8, 30, n), close_h)
    returned = np.where(rng.random(n) < 0.025 + 0.015 * (dept >= 0) + 0.01 * difficulty,
                        rng.choice(np.array([1, 2, 3]), n, p=[0.8, 0.15, 0.05]), 0)
    close_h = close_h + returned * rng.uniform(12, 60, n)
    close_h = np.maximum(close_h, resp_h + rng.uniform(0.25, 4, n))
    extended = rng.random(n) < np.where(close_h > limit_h, 0.2, 0.004)
    ext_h = np.where(extended, rng.integers(3, 16, n) * 24.0, 0.0)

    first_contact = received + np.round(resp_h * HOUR).astype(np.int64)
    closed = received + np.round(close_h * HOUR).astype(np.int64)
    respond_by = received + (respond_limit * HOUR).astype(np.int64)
    resolve_by = received + ((limit_h + ext_h) * HOUR).astype(np.int64)
    is_closed = closed < stop
    overdue = ~is_closed & (resolve_by < stop)
    status_detail = np.where(is_closed, 0, np.where(extended, 2, np.where(overdue, 3, 1)))
    first_contact = np.where(first_contact < stop, first_contact, -1)
    closed = np.where(is_closed, closed, -1)

    recent = is_closed & (closed > stop - 3 * 86_400)
    visited = is_closed & (rng.random(n) < np.where(proactive, 0.65, 0.93) * np.where(recent, 0.3, 1.0))
    late_resp = (first_contact < 0) | (first_contact > respond_by)
    slow = np.maximum(np.log(close_h / (limit_h + ext_h)), 0)
    contacted = rng.random(n) < _sigmoid(3.6 + 0.9 * effect - 1.3 * late_resp)
    resolved = rng.random(n) < _sigmoid(2.6 + 1.1 * effect - 1.0 * difficulty - 0.8 * slow - 1.8 * ~contacted)
    mood = (0.4 + 0.9 * effect - 0.5 * difficulty - 0.5 * slow + 2.6 * resolved + 0.8 * contacted
            + rng.logistic(0, 1, n))
    satisfaction = np.where(mood > 2.0, 0, np.where(mood > 0.3, 1, 2))  # satisfied / basic / unsatisfied

    is_repeat = ~proactive & (rng.random(n) < _sigmoid(-2.8 - 0.6 * effect + 0.4 * difficulty))
    excluded = rng.random(n) < 0.021 * (0.5 + difficulty)
    out = dict(
        day=day, grid=a["grid"], category=cat, channel=a["channel"], proactive=proactive, dept=dept, urgent=urgent,
        received=received, respond_by=respond_by, resolve_by=resolve_by, first_contact=first_contact,
        closed=closed, is_closed=is_closed, status_detail=status_detail, returned=returned,
        extended=extended, is_repeat=is_repeat, excluded=excluded, visited=visited,
        contacted=contacted, resolved=resolved, satisfaction=satisfaction,
    )
    order = np.argsort(received, kind="stable")
    return {k: v[order] for k, v in out.items()}
