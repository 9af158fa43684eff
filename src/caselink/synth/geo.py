"""Geography for synthetic cases: areas, hot spots and a local km projection (``Geography``).

Points are drawn in a local tangent plane (km east/north of an origin) and converted to WGS84 at
the end. Background cases and offenders' homes come from the same mixture of town-centre hot spots
and diffuse residential spread, so nearness alone is not proof of a common offender. ``LONDON``
(Greater London, boroughs, around Charing Cross) is the ``london-deaths`` profile's; other profiles
bring their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

KM_PER_DEG_LAT = 110.574

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
AGENCIES: tuple[str, ...] = ("Metropolitan Police Service", "British Transport Police", "City of London Police")


@dataclass(frozen=True)
class Geography:
    """A region: ``areas`` (name, lat, lon, weight ~ population), ``hot_spots`` (lat, lon, weight,
    spread km), the bounding box in km around the origin, the spread of residential cases around
    an area centre, and the agencies that record cases (``station_agency``: index of the agency
    that records most cases at ``station`` places; ``area_agencies``: (area index, agency index))."""

    name: str
    lat0: float
    lon0: float
    areas: tuple[tuple[str, float, float, float], ...]
    hot_spots: tuple[tuple[float, float, float, float], ...]
    bbox_km: tuple[float, float, float, float]
    residential_sd_km: float
    agencies: tuple[str, ...]
    station_agency: int | None = None
    area_agencies: tuple[tuple[int, int], ...] = ()

    @property
    def km_per_deg_lon(self) -> float:
        return 111.320 * float(np.cos(np.radians(self.lat0)))

    @property
    def area_names_list(self) -> tuple[str, ...]:
        return tuple(a[0] for a in self.areas)

    def to_km(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(lon) - self.lon0) * self.km_per_deg_lon, (np.asarray(lat) - self.lat0) * KM_PER_DEG_LAT

    def to_latlon(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.lat0 + np.asarray(y) / KM_PER_DEG_LAT, self.lon0 + np.asarray(x) / self.km_per_deg_lon

    @cached_property
    def _tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        bl = np.array([(b[1], b[2]) for b in self.areas])
        bx, by = self.to_km(bl[:, 0], bl[:, 1])
        hs = np.array(self.hot_spots)
        hx, hy = self.to_km(hs[:, 0], hs[:, 1])
        return np.c_[bx, by], np.c_[hx, hy, hs[:, 2], hs[:, 3]], np.array([b[3] for b in self.areas])

    def clip(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x0, x1, y0, y1 = self.bbox_km
        return np.clip(x, x0, x1), np.clip(y, y0, y1)

    def sample_points(self, rng: np.random.Generator, n: int, hot_share: float = 0.55,
                      spread: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """``n`` points (km) from the hot-spot / residential mixture; ``spread`` widens every kernel."""
        area_xy, hot_t, area_w = self._tables
        hot = rng.random(n) < hot_share
        x, y = np.empty(n), np.empty(n)
        k = int(hot.sum())
        hw = hot_t[:, 2] / hot_t[:, 2].sum()
        h = rng.choice(len(hot_t), size=k, p=hw)
        sd = hot_t[h, 3] * spread
        x[hot] = hot_t[h, 0] + rng.normal(size=k) * sd
        y[hot] = hot_t[h, 1] + rng.normal(size=k) * sd
        m = n - k
        bw = area_w / area_w.sum()
        b = rng.choice(len(area_xy), size=m, p=bw)
        x[~hot] = area_xy[b, 0] + rng.normal(size=m) * self.residential_sd_km * spread
        y[~hot] = area_xy[b, 1] + rng.normal(size=m) * self.residential_sd_km * spread
        return self.clip(x, y)

    def nearest_hot_spot(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The km coordinates of the hot spot nearest each point (an offender's local centre)."""
        hot_t = self._tables[1]
        d = (x[:, None] - hot_t[None, :, 0]) ** 2 + (y[:, None] - hot_t[None, :, 1]) ** 2
        i = d.argmin(axis=1)
        return hot_t[i, 0], hot_t[i, 1]

    def area_names(self, x: np.ndarray, y: np.ndarray, chunk: int = 200_000) -> np.ndarray:
        """Index into ``areas`` of the nearest area centre (a rough but consistent area)."""
        area_xy = self._tables[0]
        out = np.empty(len(x), dtype=np.int16)
        for s in range(0, len(x), chunk):
            xs, ys = x[s:s + chunk], y[s:s + chunk]
            d = (xs[:, None] - area_xy[None, :, 0]) ** 2 + (ys[:, None] - area_xy[None, :, 1]) ** 2
            out[s:s + chunk] = d.argmin(axis=1)
        return out

    def agency(self, area: np.ndarray, at_station: np.ndarray, rand: np.ndarray) -> np.ndarray:
        """Index into ``agencies`` of the agency that recorded each case."""
        out = np.zeros(len(area), dtype=np.int64)
        if self.station_agency is not None:
            out[at_station & (rand % 3 != 0)] = self.station_agency
        for a, agency in self.area_agencies:
            out[area == a] = agency
        return out


LONDON = Geography("Greater London", 51.5074, -0.1278, BOROUGHS, HOT_SPOTS, BBOX_KM, 2.6, AGENCIES,
                   station_agency=1, area_agencies=((0, 2),))
BOROUGH_NAMES: tuple[str, ...] = LONDON.area_names_list
to_km, to_latlon = LONDON.to_km, LONDON.to_latlon
