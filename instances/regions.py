"""Regional presets for the synthetic generator: real municipalities as data, plus random towns.

Each preset lists a region's municipalities with their approximate centre (WGS84), population,
Swedish-speaking share and the employment area (≈ seutukunta / 2025 työllisyysalue) that the
generator uses to scope funding pools. The figures are typed in by hand and rounded: good enough
to weight a synthetic queue, not statistics to quote.

Sources (all approximate, rounded):
- population: Statistics Finland (Tilastokeskus), population by municipality, end of 2022/2023;
- Swedish-speaking share: Statistics Finland, population by language, same years (municipalities
  with a share of 1 % or less are given 0);
- foreign-language share (capital region and the largest cities only): Statistics Finland, same;
- centre coordinates: the town centre (for coastal cities a point slightly inland, so that the
  gaussian scatter of homes does not fall mostly into the sea).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import numpy as np

CITY_POPULATION = 50_000  # a municipality this large is a "city" (tight, transit-served core)
TOWN_POPULATION = 15_000  # … this large a "town"; smaller ones are "rural"
URBAN_CLASSES: tuple[str, ...] = ("city", "town", "rural")


@dataclass(frozen=True)
class Municipality:
    """One municipality of a preset: name (Finnish), genitive (for provider names), centre…"""

    name: str
    genitive: str
    lat: float
    lon: float
    population: int
    sv_share: float
    area: str
    sv_name: str = ""
    foreign_share: float | None = None
    urban_class: str = ""

    @property
    def kind(self) -> str:
        """`city`, `town` or `rural` (an explicit `urban_class` wins over the population rule)."""
        if self.urban_class:
            return self.urban_class
        if self.population >= CITY_POPULATION:
            return "city"
        return "town" if self.population >= TOWN_POPULATION else "rural"


@dataclass(frozen=True)
class Region:
    """A set of municipalities with a display name; `parts` are the presets it was made of."""

    key: str
    name: str
    genitive: str
    municipalities: tuple[Municipality, ...]
    parts: tuple[tuple[str, str, tuple[int, ...]], ...] = ()

    @property
    def region_parts(self) -> tuple[tuple[str, str, tuple[int, ...]], ...]:
        """(key, genitive, municipality indices) per preset region; one part unless `national`."""
        return self.parts or ((self.key, self.genitive, tuple(range(len(self.municipalities)))),)


class UnknownRegionError(ValueError):
    """A region name that is neither a preset, `synthetic` nor `national`."""

    def __init__(self, name: str):
        self.name = name
        known = ", ".join([*PRESETS, "synthetic", "national"])
        super().__init__(f"unknown region {name!r}; choose one of: {known}")


def _m(
    name: str, gen: str, lat: float, lon: float, pop: int, sv: float, area: str, **kw: object
) -> Municipality:
    return Municipality(name, gen, lat, lon, pop, sv, area, **kw)  # type: ignore[arg-type]


# fmt: off
# --- Pohjois-Savo (19 municipalities; Joroinen joined from Etelä-Savo in 2019) -------------
_POHJOIS_SAVO = (
    _m("Kuopio", "Kuopion", 62.892, 27.678, 124_000, 0.0, "Kuopion seutu", foreign_share=0.05),
    _m("Siilinjärvi", "Siilinjärven", 63.075, 27.660, 21_700, 0.0, "Kuopion seutu"),
    _m("Iisalmi", "Iisalmen", 63.557, 27.190, 20_700, 0.0, "Ylä-Savo"),
    _m("Varkaus", "Varkauden", 62.315, 27.873, 20_000, 0.0, "Varkauden seutu"),
    _m("Lapinlahti", "Lapinlahden", 63.366, 27.392, 9_400, 0.0, "Ylä-Savo"),
    _m("Leppävirta", "Leppävirran", 62.492, 27.788, 9_300, 0.0, "Varkauden seutu"),
    _m("Kiuruvesi", "Kiuruveden", 63.652, 26.620, 7_700, 0.0, "Ylä-Savo"),
    _m("Suonenjoki", "Suonenjoen", 62.625, 27.127, 6_900, 0.0, "Sisä-Savo"),
    _m("Joroinen", "Joroisten", 62.180, 27.828, 4_700, 0.0, "Varkauden seutu"),
    _m("Pielavesi", "Pielaveden", 63.235, 26.755, 4_300, 0.0, "Ylä-Savo"),
    _m("Sonkajärvi", "Sonkajärven", 63.670, 27.522, 3_800, 0.0, "Ylä-Savo"),
    _m("Vieremä", "Vieremän", 63.745, 27.000, 3_600, 0.0, "Ylä-Savo"),
    _m("Rautalampi", "Rautalammin", 62.623, 26.833, 3_000, 0.0, "Sisä-Savo"),
    _m("Kaavi", "Kaavin", 62.975, 28.480, 2_800, 0.0, "Koillis-Savo"),
    _m("Tuusniemi", "Tuusniemen", 62.810, 28.490, 2_400, 0.0, "Koillis-Savo"),
    _m("Keitele", "Keiteleen", 63.178, 26.350, 2_100, 0.0, "Sisä-Savo"),
    _m("Vesanto", "Vesannon", 62.930, 26.410, 1_900, 0.0, "Sisä-Savo"),
    _m("Rautavaara", "Rautavaaran", 63.495, 28.300, 1_500, 0.0, "Koillis-Savo"),
    _m("Tervo", "Tervon", 62.955, 26.755, 1_500, 0.0, "Sisä-Savo"),
)

# --- Satakunta (16) ------------------------------------------------------------------------
_SATAKUNTA = (
    _m("Pori", "Porin", 61.485, 21.797, 83_500, 0.0, "Porin seutu", foreign_share=0.05),
    _m("Rauma", "Rauman", 61.128, 21.511, 38_900, 0.0, "Rauman seutu"),
    _m("Ulvila", "Ulvilan", 61.430, 21.880, 13_200, 0.0, "Porin seutu"),
    _m("Eura", "Euran", 61.130, 22.130, 11_500, 0.0, "Rauman seutu"),
    _m("Kankaanpää", "Kankaanpään", 61.803, 22.395, 10_900, 0.0, "Pohjois-Satakunta"),
    _m("Huittinen", "Huittisten", 61.176, 22.700, 10_000, 0.0, "Kaakkois-Satakunta"),
    _m("Eurajoki", "Eurajoen", 61.200, 21.730, 9_300, 0.0, "Rauman seutu"),
    _m("Kokemäki", "Kokemäen", 61.256, 22.350, 7_000, 0.0, "Kaakkois-Satakunta"),
    _m("Harjavalta", "Harjavallan", 61.314, 22.143, 6_800, 0.0, "Porin seutu"),
    _m("Säkylä", "Säkylän", 61.043, 22.345, 6_300, 0.0, "Rauman seutu"),
    _m("Nakkila", "Nakkilan", 61.365, 22.005, 5_400, 0.0, "Porin seutu"),
    _m("Merikarvia", "Merikarvian", 61.860, 21.500, 2_900, 0.0, "Porin seutu"),
    _m("Karvia", "Karvian", 62.135, 22.560, 2_100, 0.0, "Pohjois-Satakunta"),
    _m("Pomarkku", "Pomarkun", 61.695, 22.007, 2_000, 0.0, "Porin seutu"),
    _m("Jämijärvi", "Jämijärven", 61.820, 22.690, 1_800, 0.0, "Pohjois-Satakunta"),
    _m("Siikainen", "Siikaisten", 61.877, 21.818, 1_400, 0.0, "Pohjois-Satakunta"),
)

# --- Uusimaa (26); areas follow the 2025 employment areas (työllisyysalueet) roughly --------
_UUSIMAA = (
    _m("Helsinki", "Helsingin", 60.205, 24.950, 664_000, 0.052, "Helsinki",
       sv_name="Helsingfors", foreign_share=0.17),
    _m("Espoo", "Espoon", 60.205, 24.700, 305_000, 0.065, "Espoo", sv_name="Esbo",
       foreign_share=0.19),
    _m("Vantaa", "Vantaan", 60.294, 25.040, 243_000, 0.022, "Vantaa-Kerava", sv_name="Vanda",
       foreign_share=0.22),
    _m("Porvoo", "Porvoon", 60.393, 25.665, 51_000, 0.28, "Itä-Uusimaa", sv_name="Borgå"),
    _m("Hyvinkää", "Hyvinkään", 60.631, 24.861, 47_000, 0.0, "Keski-Uusimaa"),
    _m("Lohja", "Lohjan", 60.249, 24.065, 46_000, 0.04, "Länsi-Uusimaa", sv_name="Lojo"),
    _m("Järvenpää", "Järvenpään", 60.474, 25.090, 45_000, 0.013, "Keski-Uusimaa"),
    _m("Nurmijärvi", "Nurmijärven", 60.464, 24.807, 44_500, 0.016, "Keski-Uusimaa"),
    _m("Kirkkonummi", "Kirkkonummen", 60.124, 24.439, 41_000, 0.16, "Espoo", sv_name="Kyrkslätt"),
    _m("Tuusula", "Tuusulan", 60.403, 25.027, 39_500, 0.02, "Keski-Uusimaa"),
    _m("Kerava", "Keravan", 60.403, 25.105, 38_000, 0.014, "Vantaa-Kerava", foreign_share=0.13),
    _m("Vihti", "Vihdin", 60.417, 24.320, 29_000, 0.015, "Länsi-Uusimaa"),
    _m("Raasepori", "Raaseporin", 60.000, 23.500, 27_500, 0.64, "Länsi-Uusimaa",
       sv_name="Raseborg"),
    _m("Sipoo", "Sipoon", 60.377, 25.270, 22_000, 0.31, "Itä-Uusimaa", sv_name="Sibbo"),
    _m("Mäntsälä", "Mäntsälän", 60.636, 25.318, 21_000, 0.0, "Keski-Uusimaa"),
    _m("Loviisa", "Loviisan", 60.457, 26.225, 14_500, 0.38, "Itä-Uusimaa", sv_name="Lovisa"),
    _m("Kauniainen", "Kauniaisten", 60.211, 24.728, 10_100, 0.32, "Espoo", sv_name="Grankulla",
       urban_class="town"),
    _m("Karkkila", "Karkkilan", 60.535, 24.210, 8_600, 0.0, "Länsi-Uusimaa"),
    _m("Hanko", "Hangon", 59.830, 22.975, 8_000, 0.40, "Länsi-Uusimaa", sv_name="Hangö"),
    _m("Siuntio", "Siuntion", 60.139, 24.224, 6_100, 0.27, "Länsi-Uusimaa", sv_name="Sjundeå"),
    _m("Inkoo", "Inkoon", 60.045, 24.006, 5_500, 0.52, "Länsi-Uusimaa", sv_name="Ingå"),
    _m("Pornainen", "Pornaisten", 60.476, 25.374, 5_000, 0.0, "Keski-Uusimaa"),
    _m("Askola", "Askolan", 60.530, 25.600, 4_800, 0.02, "Itä-Uusimaa"),
    _m("Lapinjärvi", "Lapinjärven", 60.625, 26.205, 2_500, 0.32, "Itä-Uusimaa",
       sv_name="Lappträsk"),
    _m("Pukkila", "Pukkilan", 60.643, 25.580, 1_900, 0.0, "Itä-Uusimaa"),
    _m("Myrskylä", "Myrskylän", 60.669, 25.850, 1_800, 0.08, "Itä-Uusimaa", sv_name="Mörskom"),
)

# --- Pirkanmaa (23; Kuhmoinen joined from Keski-Suomi in 2021) -----------------------------
_PIRKANMAA = (
    _m("Tampere", "Tampereen", 61.498, 23.761, 249_000, 0.0, "Tampereen seutu", foreign_share=0.09),
    _m("Nokia", "Nokian", 61.478, 23.508, 35_000, 0.0, "Tampereen seutu"),
    _m("Kangasala", "Kangasalan", 61.464, 24.065, 33_500, 0.0, "Tampereen seutu"),
    _m("Ylöjärvi", "Ylöjärven", 61.550, 23.596, 33_500, 0.0, "Tampereen seutu"),
    _m("Lempäälä", "Lempäälän", 61.314, 23.753, 24_500, 0.0, "Tampereen seutu"),
    _m("Sastamala", "Sastamalan", 61.341, 22.909, 23_500, 0.0, "Sastamalan seutu"),
    _m("Valkeakoski", "Valkeakosken", 61.264, 24.031, 20_500, 0.0, "Etelä-Pirkanmaa"),
    _m("Pirkkala", "Pirkkalan", 61.466, 23.645, 20_000, 0.0, "Tampereen seutu"),
    _m("Akaa", "Akaan", 61.167, 23.866, 16_500, 0.0, "Etelä-Pirkanmaa"),
    _m("Hämeenkyrö", "Hämeenkyrön", 61.639, 23.196, 10_400, 0.0, "Luoteis-Pirkanmaa"),
    _m("Mänttä-Vilppula", "Mänttä-Vilppulan", 62.030, 24.625, 9_600, 0.0, "Ylä-Pirkanmaa"),
    _m("Orivesi", "Oriveden", 61.678, 24.357, 9_000, 0.0, "Tampereen seutu"),
    _m("Ikaalinen", "Ikaalisten", 61.770, 23.068, 6_800, 0.0, "Luoteis-Pirkanmaa"),
    _m("Virrat", "Virtain", 62.240, 23.771, 6_600, 0.0, "Ylä-Pirkanmaa"),
    _m("Pälkäne", "Pälkäneen", 61.338, 24.267, 6_500, 0.0, "Etelä-Pirkanmaa"),
    _m("Parkano", "Parkanon", 62.010, 23.025, 6_300, 0.0, "Luoteis-Pirkanmaa"),
    _m("Urjala", "Urjalan", 61.080, 23.548, 4_700, 0.0, "Etelä-Pirkanmaa"),
    _m("Vesilahti", "Vesilahden", 61.310, 23.615, 4_500, 0.0, "Tampereen seutu"),
    _m("Ruovesi", "Ruoveden", 61.986, 24.071, 4_200, 0.0, "Ylä-Pirkanmaa"),
    _m("Punkalaidun", "Punkalaitumen", 61.111, 23.100, 2_800, 0.0, "Sastamalan seutu"),
    _m("Kuhmoinen", "Kuhmoisten", 61.565, 25.180, 2_100, 0.0, "Etelä-Pirkanmaa"),
    _m("Juupajoki", "Juupajoen", 61.797, 24.368, 1_800, 0.0, "Ylä-Pirkanmaa"),
    _m("Kihniö", "Kihniön", 62.210, 23.180, 1_800, 0.0, "Luoteis-Pirkanmaa"),
)

# --- Varsinais-Suomi (27) ------------------------------------------------------------------
_VARSINAIS_SUOMI = (
    _m("Turku", "Turun", 60.460, 22.280, 200_000, 0.05, "Turun seutu", sv_name="Åbo",
       foreign_share=0.12),
    _m("Salo", "Salon", 60.384, 23.126, 51_000, 0.0, "Salon seutu"),
    _m("Kaarina", "Kaarinan", 60.407, 22.369, 36_000, 0.04, "Turun seutu", sv_name="S:t Karins"),
    _m("Raisio", "Raision", 60.486, 22.169, 24_500, 0.0, "Turun seutu"),
    _m("Lieto", "Liedon", 60.505, 22.455, 20_500, 0.0, "Turun seutu"),
    _m("Naantali", "Naantalin", 60.468, 22.026, 19_500, 0.04, "Turun seutu", sv_name="Nådendal"),
    _m("Loimaa", "Loimaan", 60.850, 23.058, 15_500, 0.0, "Loimaan seutu"),
    _m("Uusikaupunki", "Uudenkaupungin", 60.800, 21.409, 15_000, 0.0, "Vakka-Suomi"),
    _m("Parainen", "Paraisten", 60.304, 22.300, 15_000, 0.54, "Turunmaa", sv_name="Pargas"),
    _m("Paimio", "Paimion", 60.457, 22.687, 11_000, 0.0, "Turun seutu"),
    _m("Masku", "Maskun", 60.571, 22.100, 9_700, 0.0, "Turun seutu"),
    _m("Somero", "Someron", 60.629, 23.514, 8_500, 0.0, "Salon seutu"),
    _m("Laitila", "Laitilan", 60.879, 21.693, 8_300, 0.0, "Vakka-Suomi"),
    _m("Pöytyä", "Pöytyän", 60.720, 22.605, 8_200, 0.0, "Loimaan seutu"),
    _m("Mynämäki", "Mynämäen", 60.678, 21.989, 7_600, 0.0, "Turun seutu"),
    _m("Kemiönsaari", "Kemiönsaaren", 60.163, 22.727, 6_500, 0.70, "Turunmaa",
       sv_name="Kimitoön"),
    _m("Rusko", "Ruskon", 60.542, 22.222, 6_300, 0.0, "Turun seutu"),
    _m("Nousiainen", "Nousiaisten", 60.600, 22.083, 4_800, 0.0, "Turun seutu"),
    _m("Aura", "Auran", 60.648, 22.590, 4_000, 0.0, "Turun seutu"),
    _m("Sauvo", "Sauvon", 60.343, 22.695, 3_000, 0.0, "Turun seutu"),
    _m("Koski Tl", "Kosken", 60.655, 23.140, 2_300, 0.0, "Loimaan seutu"),
    _m("Vehmaa", "Vehmaan", 60.690, 21.700, 2_200, 0.0, "Vakka-Suomi"),
    _m("Pyhäranta", "Pyhärannan", 60.950, 21.444, 2_000, 0.0, "Vakka-Suomi"),
    _m("Marttila", "Marttilan", 60.585, 22.899, 1_900, 0.0, "Loimaan seutu"),
    _m("Taivassalo", "Taivassalon", 60.561, 21.609, 1_600, 0.0, "Vakka-Suomi"),
    _m("Oripää", "Oripään", 60.855, 22.695, 1_300, 0.0, "Loimaan seutu"),
    _m("Kustavi", "Kustavin", 60.546, 21.358, 900, 0.0, "Vakka-Suomi"),
)

# --- Pohjanmaa (15; largely Swedish-speaking) ----------------------------------------------
_POHJANMAA = (
    _m("Vaasa", "Vaasan", 63.095, 21.620, 68_000, 0.22, "Vaasan seutu", sv_name="Vasa",
       foreign_share=0.09),
    _m("Mustasaari", "Mustasaaren", 63.076, 21.720, 19_500, 0.68, "Vaasan seutu",
       sv_name="Korsholm"),
    _m("Pietarsaari", "Pietarsaaren", 63.675, 22.703, 19_000, 0.55, "Pietarsaaren seutu",
       sv_name="Jakobstad"),
    _m("Pedersöre", "Pedersören", 63.620, 22.810, 11_200, 0.90, "Pietarsaaren seutu",
       sv_name="Pedersöre"),
    _m("Närpiö", "Närpiön", 62.473, 21.337, 9_300, 0.90, "Suupohjan rannikkoseutu",
       sv_name="Närpes"),
    _m("Laihia", "Laihian", 62.977, 22.010, 8_000, 0.0, "Vaasan seutu"),
    _m("Uusikaarlepyy", "Uudenkaarlepyyn", 63.522, 22.530, 7_500, 0.87, "Pietarsaaren seutu",
       sv_name="Nykarleby"),
    _m("Vöyri", "Vöyrin", 63.135, 22.250, 6_600, 0.85, "Vaasan seutu", sv_name="Vörå"),
    _m("Kruunupyy", "Kruunupyyn", 63.727, 23.030, 6_500, 0.90, "Pietarsaaren seutu",
       sv_name="Kronoby"),
    _m("Kristiinankaupunki", "Kristiinankaupungin", 62.274, 21.376, 6_300, 0.55,
       "Suupohjan rannikkoseutu", sv_name="Kristinestad"),
    _m("Maalahti", "Maalahden", 62.945, 21.550, 5_400, 0.90, "Vaasan seutu", sv_name="Malax"),
    _m("Luoto", "Luodon", 63.757, 22.750, 5_300, 0.90, "Pietarsaaren seutu", sv_name="Larsmo"),
    _m("Isokyrö", "Isonkyrön", 63.000, 22.320, 4_600, 0.0, "Vaasan seutu"),
    _m("Korsnäs", "Korsnäsin", 62.787, 21.189, 2_100, 0.97, "Vaasan seutu", sv_name="Korsnäs"),
    _m("Kaskinen", "Kaskisten", 62.385, 21.222, 1_200, 0.27, "Suupohjan rannikkoseutu",
       sv_name="Kaskö"),
)

# fmt: on

PRESETS: dict[str, Region] = {
    r.key: r
    for r in (
        Region("pohjois-savo", "Pohjois-Savo", "Savon", _POHJOIS_SAVO),
        Region("satakunta", "Satakunta", "Satakunnan", _SATAKUNTA),
        Region("uusimaa", "Uusimaa", "Uudenmaan", _UUSIMAA),
        Region("pirkanmaa", "Pirkanmaa", "Pirkanmaan", _PIRKANMAA),
        Region("varsinais-suomi", "Varsinais-Suomi", "Varsinais-Suomen", _VARSINAIS_SUOMI),
        Region("pohjanmaa", "Pohjanmaa", "Pohjanmaan", _POHJANMAA),
    )
}

# Other spellings people type (Swedish and English names, common short forms).
ALIASES: dict[str, str] = {
    "norrasavolax": "pohjois-savo",
    "northsavo": "pohjois-savo",
    "northernsavonia": "pohjois-savo",
    "satakunda": "satakunta",
    "nyland": "uusimaa",
    "birkaland": "pirkanmaa",
    "tampereregion": "pirkanmaa",
    "egentligafinland": "varsinais-suomi",
    "southwestfinland": "varsinais-suomi",
    "osterbotten": "pohjanmaa",
    "ostrobothnia": "pohjanmaa",
    "finland": "national",
    "suomi": "national",
    "koko-suomi": "national",
    "random": "synthetic",
}


def normalise(name: str) -> str:
    """Lower case, diacritics dropped (ä→a, ö→o, å→a), everything but letters and digits removed."""
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


def region_names() -> list[str]:
    """Every name `resolve_region` accepts as canonical: the presets, `synthetic`, `national`."""
    return [*PRESETS, "synthetic", "national"]


def canonical_region(name: str) -> str:
    """The canonical key for `name` (case, diacritics and hyphens ignored) or UnknownRegionError."""
    wanted = normalise(name)
    for key in region_names():
        if normalise(key) == wanted:
            return key
    for alias, key in ALIASES.items():
        if normalise(alias) == wanted:
            return key
    raise UnknownRegionError(name)


def resolve_region(name: str, rng: np.random.Generator | None = None) -> Region:
    """The Region for `name`: a preset, `national` (every preset) or `synthetic` (uses `rng`)."""
    key = canonical_region(name)
    if key == "synthetic":
        return synthetic_region(rng if rng is not None else np.random.default_rng(0))
    if key == "national":
        return national_region()
    return PRESETS[key]


def national_region() -> Region:
    """All presets together; pools stay per employment area, region-wide pools per preset."""
    munis: list[Municipality] = []
    parts = []
    for region in PRESETS.values():
        start = len(munis)
        munis.extend(region.municipalities)
        parts.append((region.key, region.genitive, tuple(range(start, len(munis)))))
    return Region("national", "Suomi", "Suomen", tuple(munis), tuple(parts))


# --- synthetic towns ------------------------------------------------------------------------
# Finnish place names are mostly compounds of a nature word and a landform: Koivu+joki,
# Karhu+lahti. The genitive of the compound is the genitive of its last part.
# fmt: off
NAME_HEADS: tuple[str, ...] = (
    "Koski", "Järvi", "Mäki", "Salo", "Niemi", "Kallio", "Harju", "Suo", "Kivi", "Honka",
    "Kuusi", "Koivu", "Haapa", "Pihlaja", "Leppä", "Mänty", "Karhu", "Hirvi", "Ilves", "Kotka",
    "Joutsen", "Pitkä", "Iso", "Ala", "Yli", "Keski", "Uusi", "Vanha", "Sulka", "Kaita",
    "Hiekka", "Ruska", "Tammi", "Saari", "Lumi", "Kulta", "Pajari", "Rasi", "Kurki", "Orava",
)
NAME_TAILS: dict[str, str] = {
    "vesi": "veden", "järvi": "järven", "joki": "joen", "koski": "kosken", "lahti": "lahden",
    "mäki": "mäen", "niemi": "niemen", "salmi": "salmen", "vaara": "vaaran", "saari": "saaren",
    "kylä": "kylän", "linna": "linnan", "ranta": "rannan", "harju": "harjun", "pelto": "pellon",
    "lampi": "lammen", "kangas": "kankaan", "virta": "virran",
}
# fmt: on
SYNTHETIC_BOX = (61.3, 63.9, 23.5, 29.0)  # lat min, lat max, lon min, lon max: inland Finland


def _synthetic_name(rng: np.random.Generator, used: set[str]) -> tuple[str, str]:
    tails = list(NAME_TAILS)
    for _ in range(1000):
        head = NAME_HEADS[rng.integers(len(NAME_HEADS))]
        tail = tails[rng.integers(len(tails))]
        if head.lower() == tail or head.lower().startswith(tail[:3]):
            continue
        name = head + tail
        if name not in used:
            used.add(name)
            return name, head + NAME_TAILS[tail]
    raise RuntimeError("ran out of synthetic town names")


def synthetic_region(rng: np.random.Generator) -> Region:
    """Random towns in inland Finland: 2–3 cities, 4–7 towns and 10–20 rural municipalities.

    Populations are lognormal around 70 000 / 15 000 / 4 000; centres are at least 18 km apart;
    each municipality joins the employment area of its nearest city or larger town.
    """
    n_city, n_town = int(rng.integers(2, 4)), int(rng.integers(4, 8))
    n_rural = int(rng.integers(10, 21))
    pops = np.concatenate(
        [
            np.clip(rng.lognormal(math.log(70_000), 0.4, n_city), CITY_POPULATION, 250_000),
            np.clip(
                rng.lognormal(math.log(22_000), 0.3, n_town), TOWN_POPULATION, CITY_POPULATION - 1
            ),
            np.clip(rng.lognormal(math.log(4_000), 0.6, n_rural), 700, TOWN_POPULATION - 1),
        ]
    ).round(-2)
    lat0, lat1, lon0, lon1 = SYNTHETIC_BOX
    coords: list[tuple[float, float]] = []
    while len(coords) < len(pops):
        lat, lon = rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)
        if all(_km(lat, lon, a, b) >= 18.0 for a, b in coords):
            coords.append((round(lat, 4), round(lon, 4)))
    used: set[str] = set()
    names = [_synthetic_name(rng, used) for _ in pops]
    hubs = list(range(n_city + min(n_town, 3)))  # cities and the three largest-drawn towns
    munis = []
    for pop, (lat, lon), (name, gen) in zip(pops, coords, names, strict=True):
        hub = min(hubs, key=lambda h: _km(lat, lon, *coords[h]))
        area = f"{names[hub][1]} seutu"
        munis.append(_m(name, gen, lat, lon, int(pop), 0.0, area))
    # The regional brand in provider names ("Savon Metalli Oy") is the largest city's genitive.
    brand = names[int(np.argmax(pops))][1]
    return Region("synthetic", "Synteettinen maakunta", brand, tuple(munis))


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine) between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlon = math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))
