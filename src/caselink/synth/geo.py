"""Greater London geography for synthetic cases: boroughs, hot spots, and a local km projection.

Points are drawn in a local tangent plane (km east/north of Charing Cross) and converted to
WGS84 at the end. Background cases and offenders' homes come from the same mixture of town-centre
hot spots and diffuse residential spread, so nearness alone is not proof of a common offender.
"""

from __future__ import annotations

import numpy as np

LAT0, LON0 = 51.5074, -0.1278
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON = 111.320 * float(np.cos(np.radians(LAT0)))

# Borough centroids (approximate) and relative weights (roughly population).
BOROUGHS: tuple[tuple[str, float, float, float], ...] = (
    ("City of London", 51.5155, -0.0922, 0.2), ("Barking and Dagenham", 51.5465, 0.1294, 0.8),
    ("Barnet", 51.6252, -0.1517, 1.4), ("Bexley", 51.4549, 0.1505, 0.9), ("Brent", 51.5588, -0.2817, 1.2),
    ("Bromley", 51.4039, 0.0198, 1.2), ("Camden", 51.5290, -0.1255, 0.9), ("Croydon", 51.3714, -0.0977, 1.4),
    ("Ealing", 51.5130, -0.3089, 1.3), ("Enfield", 51.6538, -0.0799, 1.2), ("Greenwich", 51.4892, 0.0648, 1.0),
    ("Hackney", 51.5450, -0.0553, 1.0), ("Hammersmith and Fulham", 51.4927, -0.2339, 0.7),
    ("Haringey", 51.5906, -0.1110, 1.0), ("Harrow", 51.5898, -0.3346, 0.9), ("Havering", 51.5812, 0.1837, 0.9),
    ("Hillingdon", 51.5441, -0.4760, 1.1), ("Hounslow", 51.4746, -0.3680, 1.0), ("Islington", 51.5416, -0.1022, 0.9),
    ("Kensington and Chelsea", 51.5020, -0.1947, 0.6), ("Kingston upon Thames", 51.4085, -0.3064, 0.6),
    ("Lambeth", 51.4571, -0.1231, 1.2), ("Lewisham", 51.4452, -0.0209, 1.1), ("Merton", 51.4098, -0.2108, 0.8),
    ("Newham", 51.5255, 0.0352, 1.3), ("Redbridge", 51.5590, 0.0741, 1.1), ("Richmond upon Thames", 51.4479, -0.3260, 0.7),
    ("Southwark", 51.4734, -0.0755, 1.2), ("Sutton", 51.3618, -0.1945, 0.8), ("Tower Hamlets", 51.5150, -0.0350, 1.2),
    ("Waltham Forest", 51.5908, -0.0134, 1.0), ("Wandsworth", 51.4567, -0.1910, 1.2), ("Westminster", 51.4975, -0.1357, 1.0),
)
# Town centres and night-time economy areas where cases cluster (lat, lon, weight, spread km).
HOT_SPOTS: tuple[tuple[float, float, float, float], ...] = (
    (51.5152, -0.1418, 3.0, 0.6), (51.5136, -0.1340, 3.0, 0.5), (51.5308, -0.1238, 2.0, 0.6),
    (51.5390, -0.1426, 2.0, 0.6), (51.5256, -0.0780, 2.0, 0.6), (51.5194, -0.0610, 2.0, 0.7),
    (51.4613, -0.1156, 2.5, 0.7), (51.4740, -0.0692, 1.8, 0.6), (51.3762, -0.0982, 2.5, 0.9),
    (51.5430, -0.0027, 2.2, 0.8), (51.5396, 0.0810, 1.5, 0.6), (51.5590, 0.0741, 1.6, 0.7),
    (51.5754, 0.1821, 1.5, 0.8), (51.5975, -0.1097, 1.6, 0.6), (51.5450, -0.0553, 1.8, 0.6),
    (51.4615, -0.0106, 1.5, 0.7), (51.4900, 0.0690, 1.4, 0.7), (51.4123, -0.3007, 1.2, 0.7),
    (51.5130, -0.3016, 1.4, 0.7), (51.4680, -0.3610, 1.3, 0.7), (51.5460, -0.4780, 1.0, 0.8),
    (51.5805, -0.3370, 1.2, 0.7), (51.5560, -0.2796, 1.5, 0.8), (51.6523, -0.0810, 1.2, 0.7),
    (51.5830, -0.0200, 1.5, 0.7), (51.5880, -0.0700, 1.6, 0.6), (51.4060, 0.0150, 1.2, 0.7),
    (51.3614, -0.1940, 1.0, 0.7), (51.4620, -0.1380, 1.5, 0.6), (51.4270, -0.1680, 1.4, 0.6),
    (51.4920, -0.2240, 1.5, 0.6), (51.5050, -0.2240, 1.4, 0.6), (51.4214, -0.2064, 1.0, 0.6),
    (51.4450, -0.0200, 1.3, 0.6), (51.4560, 0.1500, 1.0, 0.8), (51.6150, -0.0630, 1.2, 0.7),
    (51.5400, 0.1470, 1.2, 0.8), (51.5150, 0.0080, 1.4, 0.7), (51.5340, -0.1060, 1.6, 0.5),
    (51.4769, 0.0005, 1.2, 0.6),
)
BBOX_KM = (-26.0, 26.0, -17.0, 19.0)  # x min, x max, y min, y max around Charing Cross


def to_km(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (np.asarray(lon) - LON0) * KM_PER_DEG_LON, (np.asarray(lat) - LAT0) * KM_PER_DEG_LAT


def to_latlon(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return LAT0 + np.asarray(y) / KM_PER_DEG_LAT, LON0 + np.asarray(x) / KM_PER_DEG_LON


def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    bl = np.array([(b[1], b[2]) for b in BOROUGHS])
    bx, by = to_km(bl[:, 0], bl[:, 1])
    hs = np.array(HOT_SPOTS)
    hx, hy = to_km(hs[:, 0], hs[:, 1])
    return np.c_[bx, by], np.c_[hx, hy, hs[:, 2], hs[:, 3]], np.array([b[3] for b in BOROUGHS])


_BOROUGH_XY, _HOT, _BOROUGH_W = _tables()


def clip(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x0, x1, y0, y1 = BBOX_KM
    return np.clip(x, x0, x1), np.clip(y, y0, y1)


def sample_points(rng: np.random.Generator, n: int, hot_share: float = 0.55,
                  spread: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points (km) from the hot-spot / residential mixture; ``spread`` widens every kernel."""
    hot = rng.random(n) < hot_share
    x, y = np.empty(n), np.empty(n)
    k = int(hot.sum())
    hw = _HOT[:, 2] / _HOT[:, 2].sum()
    h = rng.choice(len(_HOT), size=k, p=hw)
    sd = _HOT[h, 3] * spread
    x[hot] = _HOT[h, 0] + rng.normal(size=k) * sd
    y[hot] = _HOT[h, 1] + rng.normal(size=k) * sd
    m = n - k
    bw = _BOROUGH_W / _BOROUGH_W.sum()
    b = rng.choice(len(_BOROUGH_XY), size=m, p=bw)
    x[~hot] = _BOROUGH_XY[b, 0] + rng.normal(size=m) * 2.6 * spread
    y[~hot] = _BOROUGH_XY[b, 1] + rng.normal(size=m) * 2.6 * spread
    return clip(x, y)


def nearest_hot_spot(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The km coordinates of the hot spot nearest each point (an offender's local centre)."""
    d = (x[:, None] - _HOT[None, :, 0]) ** 2 + (y[:, None] - _HOT[None, :, 1]) ** 2
    i = d.argmin(axis=1)
    return _HOT[i, 0], _HOT[i, 1]


def area_names(x: np.ndarray, y: np.ndarray, chunk: int = 200_000) -> np.ndarray:
    """Index into BOROUGHS of the nearest borough centroid (a rough but consistent area)."""
    out = np.empty(len(x), dtype=np.int16)
    for s in range(0, len(x), chunk):
        xs, ys = x[s:s + chunk], y[s:s + chunk]
        d = (xs[:, None] - _BOROUGH_XY[None, :, 0]) ** 2 + (ys[:, None] - _BOROUGH_XY[None, :, 1]) ** 2
        out[s:s + chunk] = d.argmin(axis=1)
    return out


BOROUGH_NAMES: tuple[str, ...] = tuple(b[0] for b in BOROUGHS)
