"""Build `instances/examples/small/`: 40 clients, 15 placements in Pohjois-Savo, checkable by hand.

Every row is written out here (not drawn at random) so that each rule of FORMAT.md visibly binds
for a named client or placement; `instances/examples/README.md` lists which. Re-run after a
change with ``.venv/bin/python -m instances.examples.make_small``; the test suite checks that the
committed files are exactly what this script writes.

Travel under the default rules: road km = great-circle km × 1.3; car 60 km/h + 5 min, transit
35 km/h + 15 min, none (walk/bike) 12 km/h. Kuopio centre ↔ Siilinjärvi ≈ 20 km (car 31 min,
transit 60 min); Kuopio ↔ Varkaus ≈ 65 km; Rautavaara is ≈ 70 km from the nearest placement.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from instances.build import build_instance
from instances.write import write_instance
from models.instance import Instance

HERE = Path(__file__).resolve().parent
OUT = HERE / "small"
WEEK = "2026-W48"
AT = "2026-11-20"

# Provider sites (lat, lon).
KUOPIO_V01 = (62.8950, 27.6650)  # Kuopion Työpaja ry
FARM_V02 = (63.1300, 27.5200)  # Savon Hoivafarmi Oy, Siilinjärvi countryside
KUOPIO_V03 = (62.9010, 27.7050)  # Kuljetus Heikkinen Oy
KUOPIO_V04 = (62.8800, 27.6400)  # Kuopion Kierrätyskeskus ry
VARKAUS_V05 = (62.3150, 27.8730)  # Varkauden työllisyyspalvelut
SIILINJARVI_V06 = (63.0750, 27.6600)  # Siilinjärven Kiinteistöhuolto Oy
IISALMI_V07 = (63.5570, 27.1900)  # Iisalmen Nuorisosäätiö sr
KUOPIO_V08 = (62.8900, 27.6800)  # Savon Datatalo Oy

PROVIDERS: list[dict[str, Any]] = [
    {"id": "v01", "name": "Kuopion Työpaja ry", "kind": "association", "municipality": "Kuopio"},
    {"id": "v02", "name": "Savon Hoivafarmi Oy", "kind": "farm", "municipality": "Siilinjärvi"},
    {
        "id": "v03",
        "name": "Kuljetus Heikkinen Oy",
        "kind": "company",
        "municipality": "Kuopio",
        "max_subsidised": 1,
    },
    {
        "id": "v04",
        "name": "Kuopion Kierrätyskeskus ry",
        "kind": "association",
        "municipality": "Kuopio",
    },
    {
        "id": "v05",
        "name": "Varkauden työllisyyspalvelut",
        "kind": "municipality",
        "municipality": "Varkaus",
    },
    {
        "id": "v06",
        "name": "Siilinjärven Kiinteistöhuolto Oy",
        "kind": "company",
        "municipality": "Siilinjärvi",
    },
    {
        "id": "v07",
        "name": "Iisalmen Nuorisosäätiö sr",
        "kind": "foundation",
        "municipality": "Iisalmi",
    },
    {"id": "v08", "name": "Savon Datatalo Oy", "kind": "company", "municipality": "Kuopio"},
]

POOLS: list[dict[str, Any]] = [
    {
        "id": "tk-2026",
        "name": "Työkokeilu – Pohjois-Savo 2026",
        "budget": 2500,
        "types": ["work_trial"],
    },
    {
        "id": "pt-kuopio-2026",
        "name": "Palkkatuki – Kuopion seutu 2026",
        "budget": 32000,
        "types": ["wage_subsidy"],
        "municipalities": ["Kuopio", "Siilinjärvi"],
    },
    {
        "id": "pt-varkaus-2026",
        "name": "Palkkatuki – Varkauden seutu 2026",
        "budget": 9000,
        "types": ["wage_subsidy"],
        "municipalities": ["Varkaus", "Leppävirta"],
    },
    {
        "id": "kuopio-lisa-2026",
        "name": "Kuopio-lisä 2026",
        "budget": 13000,
        "types": ["wage_subsidy"],
        "municipalities": ["Kuopio"],
        "groups": ["long_term"],
    },
    {
        "id": "tv-kuopio-2026",
        "name": "Työvalmennus – Kuopion seutu 2026",
        "budget": 8000,
        "types": ["coaching"],
        "municipalities": ["Kuopio", "Siilinjärvi"],
    },
    {
        "id": "tv-varkaus-2026",
        "name": "Työvalmennus – Varkauden seutu 2026",
        "budget": 4000,
        "types": ["coaching"],
        "municipalities": ["Varkaus", "Leppävirta"],
    },
    {
        "id": "tv-yla-savo-2026",
        "name": "Työvalmennus – Ylä-Savo 2026",
        "budget": 12000,
        "types": ["coaching"],
        "municipalities": ["Iisalmi"],
    },
    {
        "id": "esf-nuoret-2026",
        "name": "ESF+ Nuorten polku (Pohjois-Savo) 2026",
        "budget": 3600,
        "types": ["work_trial", "coaching"],
        "groups": ["youth"],
    },
    {
        "id": "ktt-2026",
        "name": "Kuntouttava työtoiminta – Pohjois-Savo 2026",
        "budget": 8000,
        "types": ["participation"],
    },
]


def _list(text: str) -> list[str]:
    return [x for x in text.split(";") if x]


def _kv(text: str) -> dict[str, float]:
    return {k: float(v) for k, v in (item.split(":") for item in _list(text))}


def placement(
    pid: str,
    ptype: str,
    provider: str,
    muni: str,
    site: tuple[float, float],
    seats: int,
    min_wa: int,
    sector: str,
    weeks: int,
    cost: float,
    pools: str,
    features: str = "",
    language: str = "fi",
    demands: str = "",
) -> dict[str, Any]:
    """One placements.csv row; list and kv cells given as their CSV text."""
    return {
        "id": pid,
        "type": ptype,
        "provider_id": provider,
        "municipality": muni,
        "lat": site[0],
        "lon": site[1],
        "seats": seats,
        "min_work_ability": min_wa,
        "language": language,
        "features": _list(features),
        "sector": sector,
        "duration_weeks": weeks,
        "weekly_cost": cost,
        "funding_pools": _list(pools),
        "demands": _kv(demands),
    }


PLACEMENTS: list[dict[str, Any]] = [
    placement(
        "p01", "work_trial", "v03", "Kuopio", KUOPIO_V03, 1, 3, "logistics", 12, 45, "tk-2026"
    ),
    placement(
        "p02",
        "wage_subsidy",
        "v03",
        "Kuopio",
        KUOPIO_V03,
        1,
        3,
        "logistics",
        26,
        700,
        "pt-kuopio-2026",
    ),
    placement(
        "p03",
        "wage_subsidy",
        "v03",
        "Kuopio",
        KUOPIO_V03,
        1,
        3,
        "logistics",
        26,
        650,
        "pt-kuopio-2026",
    ),
    placement(
        "p04",
        "wage_subsidy",
        "v04",
        "Kuopio",
        KUOPIO_V04,
        2,
        2,
        "recycling",
        26,
        480,
        "pt-kuopio-2026;kuopio-lisa-2026",
        features="part_time",
    ),
    placement(
        "p05",
        "coaching",
        "v01",
        "Kuopio",
        KUOPIO_V01,
        3,
        1,
        "crafts",
        12,
        300,
        "tv-kuopio-2026;esf-nuoret-2026",
        features="wheelchair;quiet;supervision",
    ),
    placement(
        "p06",
        "participation",
        "v01",
        "Kuopio",
        KUOPIO_V01,
        2,
        1,
        "recycling",
        26,
        90,
        "ktt-2026",
        features="quiet;part_time;supervision",
    ),
    placement(
        "p07",
        "participation",
        "v02",
        "Siilinjärvi",
        FARM_V02,
        3,
        1,
        "agriculture",
        26,
        110,
        "ktt-2026",
        features="quiet;part_time;supervision;transport",
    ),
    placement(
        "p08",
        "work_trial",
        "v06",
        "Siilinjärvi",
        SIILINJARVI_V06,
        1,
        2,
        "property_maintenance",
        8,
        45,
        "tk-2026;esf-nuoret-2026",
        demands="physical:4",
    ),
    placement(
        "p09",
        "work_trial",
        "v05",
        "Varkaus",
        VARKAUS_V05,
        2,
        2,
        "care",
        12,
        36,
        "tk-2026",
        features="wheelchair;part_time",
    ),
    placement(
        "p10",
        "coaching",
        "v05",
        "Varkaus",
        VARKAUS_V05,
        2,
        1,
        "food_service",
        8,
        250,
        "tv-varkaus-2026;esf-nuoret-2026",
        features="supervision",
    ),
    placement(
        "p11",
        "wage_subsidy",
        "v05",
        "Varkaus",
        VARKAUS_V05,
        1,
        3,
        "property_maintenance",
        26,
        620,
        "pt-varkaus-2026",
    ),
    placement(
        "p12",
        "work_trial",
        "v08",
        "Kuopio",
        KUOPIO_V08,
        1,
        3,
        "it",
        12,
        45,
        "tk-2026;esf-nuoret-2026",
        language="en",
        demands="cognitive:3",
    ),
    placement(
        "p13",
        "coaching",
        "v07",
        "Iisalmi",
        IISALMI_V07,
        4,
        1,
        "office",
        12,
        280,
        "tv-yla-savo-2026;esf-nuoret-2026",
        features="quiet;supervision",
    ),
    placement(
        "p14",
        "wage_subsidy",
        "v04",
        "Kuopio",
        KUOPIO_V04,
        0,
        2,
        "recycling",
        26,
        480,
        "pt-kuopio-2026;kuopio-lisa-2026",
    ),
    placement(
        "p15",
        "participation",
        "v05",
        "Varkaus",
        VARKAUS_V05,
        2,
        1,
        "food_service",
        13,
        80,
        "ktt-2026",
        features="part_time;supervision",
    ),
]


def client(
    cid: str,
    muni: str,
    lat: float,
    lon: float,
    age: int,
    days: int,
    months: int,
    wa: int,
    consents: str,
    transport: str = "transit",
    commute: int = 45,
    languages: str = "fi",
    needs: str = "",
    interests: str = "",
    partial: bool = False,
    wishes: str = "",
    current: str = "",
    used: str = "",
    weeks: int | None = None,
    abilities: str = "",
) -> dict[str, Any]:
    """One clients.csv row; list and kv cells given as their CSV text."""
    return {
        "id": cid,
        "municipality": muni,
        "lat": lat,
        "lon": lon,
        "age": age,
        "benefit_days": days,
        "unemployed_months": months,
        "work_ability": wa,
        "partial_work_ability": partial,
        "languages": _list(languages),
        "needs": _list(needs),
        "interests": _list(interests),
        "transport": transport,
        "max_commute_min": commute,
        "consents": _list(consents),
        "wishes": _list(wishes),
        "current_placement": current,
        "months_used": _kv(used),
        "weeks_since_activation": weeks,
        "abilities": _kv(abilities),
    }


WT, WS, CO, PA = "work_trial", "wage_subsidy", "coaching", "participation"
# fmt: off
CLIENTS: list[dict[str, Any]] = [
    # --- Kuopio: competition for the wage-subsidy seats (v03's cap 1, pt-kuopio's budget) --------
    client("c01", "Kuopio", 62.8960, 27.6900, 34, 420, 14, 4, f"{WT};{WS}", "car", 45,
           interests="logistics", wishes="p02;p01", weeks=40),
    client("c02", "Kuopio", 62.9050, 27.7100, 45, 820, 30, 4, WS, interests="logistics;retail",
           weeks=120),
    client("c03", "Kuopio", 62.8850, 27.6500, 52, 1250, 48, 3, f"{WS};{CO}", commute=40,
           interests="recycling", wishes="p04", weeks=150),
    client("c04", "Kuopio", 62.8700, 27.6300, 29, 610, 22, 3, f"{WS};{WT}", "none", 30,
           interests="recycling;crafts", weeks=60),
    client("c05", "Kuopio", 62.8900, 27.7000, 22, 150, 5, 4, f"{CO};{WT}", languages="fi;en",
           interests="it;office", wishes="p12;p05", weeks=20),
    client("c06", "Kuopio", 62.8990, 27.6700, 19, 40, 2, 3, CO, "none", 30, interests="crafts"),
    client("c07", "Kuopio", 62.8800, 27.6900, 58, 1900, 70, 2, f"{PA};{CO}", needs="quiet",
           interests="crafts", partial=True, used="participation:6", weeks=30),
    client("c08", "Kuopio", 62.8930, 27.6600, 61, 2400, 90, 1, PA, "none", 25,
           needs="supervision;part_time", partial=True, weeks=300),
    # c09: speaks only Russian; every placement needs Finnish or English.
    client("c09", "Kuopio", 62.8870, 27.6850, 38, 350, 13, 4, f"{WT};{WS};{CO}", languages="ru",
           interests="logistics", weeks=56),
    # c10: wishes p12, which needs English; c10 speaks Finnish only.
    client("c10", "Kuopio", 62.8920, 27.7150, 27, 200, 7, 4, WT, interests="it", wishes="p12",
           weeks=30),
    # c11: consents to nothing this week.
    client("c11", "Kuopio", 62.9100, 27.6500, 44, 700, 26, 3, "", "car", 60, weeks=110),
    # c12: needs wheelchair access; of the types c12 accepts only p09 (Varkaus, too far) has it.
    client("c12", "Kuopio", 62.8890, 27.6750, 36, 300, 11, 3, f"{WT};{WS}", "car", 40,
           needs="wheelchair", interests="office", weeks=48),
    # c13: has used the 12 work-trial months the rules allow, and accepts only work trials.
    client("c13", "Kuopio", 62.9000, 27.6950, 48, 1500, 55, 4, WT, "car", 45,
           used="work_trial:12", weeks=8),
    # c14: work ability 1; the lowest wage-subsidy minimum is 2.
    client("c14", "Kuopio", 62.8820, 27.6550, 50, 900, 33, 1, WS, partial=True, weeks=90),
    # c15: consents only to participation but has < 500 benefit days and is 25 or older.
    client("c15", "Kuopio", 62.8910, 27.6820, 31, 220, 8, 2, PA, commute=40, partial=True,
           weeks=35),
    # c16: the only coaching place within reach (p05) declined c16 after the interview (forbid).
    client("c16", "Kuopio", 62.8940, 27.6720, 23, 90, 3, 3, CO, interests="crafts", weeks=14),
    client("c17", "Kuopio", 62.9030, 27.6450, 40, 560, 20, 3, f"{WT};{CO};{PA}", "car", 50,
           interests="property_maintenance", wishes="p08", weeks=70),
    client("c18", "Kuopio", 62.8790, 27.7000, 35, 130, 4, 5, f"{WT};{WS}", "car", 60,
           interests="logistics",
           abilities="physical:5;social:3;cognitive:4", weeks=18),
    client("c19", "Kuopio", 62.8860, 27.6420, 57, 1100, 40, 3, WS, interests="recycling",
           weeks=200),
    client("c20", "Kuopio", 62.9070, 27.6800, 26, 510, 18, 2, f"{PA};{CO}", needs="quiet",
           interests="agriculture", weeks=75),
    client("c21", "Kuopio", 62.8840, 27.6700, 33, 700, 25, 3, f"{CO};{PA}", "car", 45,
           interests="crafts"),
    # c22: wishes p08, which demands physical 4; c22's profile says physical 2.
    client("c22", "Kuopio", 62.8980, 27.6880, 42, 400, 15, 4, WT, "car", 45,
           interests="property_maintenance",
           wishes="p08", abilities="physical:2;social:4;cognitive:4", weeks=52),
    # --- Siilinjärvi ----------------------------------------------------------------------------
    client("c23", "Siilinjärvi", 63.0800, 27.6700, 37, 450, 16, 4, f"{WT};{WS}", "car", 45,
           interests="property_maintenance", wishes="p08", abilities="physical:4", weeks=44),
    client("c24", "Siilinjärvi", 63.0600, 27.6400, 24, 30, 1, 3, f"{CO};{WT}", commute=75,
           interests="crafts"),
    client("c25", "Siilinjärvi", 63.1000, 27.7000, 63, 2100, 80, 2, PA, "car", 45,
           interests="agriculture",
           partial=True, weeks=250),
    client("c26", "Siilinjärvi", 63.0700, 27.6500, 46, 800, 29, 3, f"{PA};{CO}", "none", 30,
           weeks=95),
    # --- Varkaus and Leppävirta -----------------------------------------------------------------
    # c27: locked to p09 by the weekly team.
    client("c27", "Varkaus", 62.3200, 27.8800, 30, 380, 14, 3, f"{WT};{CO}", "car", 45,
           interests="care",
           weeks=58),
    client("c28", "Varkaus", 62.3100, 27.8600, 55, 1400, 50, 3, f"{WT};{WS}", interests="care",
           weeks=210),
    client("c29", "Varkaus", 62.3180, 27.8900, 20, 60, 2, 3, CO, "none", 30,
           interests="food_service"),
    client("c30", "Varkaus", 62.3250, 27.8650, 49, 1000, 36, 2, f"{PA};{CO}", commute=40,
           needs="part_time",
           partial=True, weeks=150),
    client("c31", "Varkaus", 62.3000, 27.8900, 39, 250, 9, 4, WS, "car", 50,
           interests="property_maintenance",
           weeks=36),
    client("c32", "Leppävirta", 62.4920, 27.7880, 44, 600, 22, 3, f"{WT};{WS}", "car", 45,
           interests="care",
           weeks=80),
    # c33: transit from Leppävirta to Varkaus takes ≈ 60 min; c33 accepts 45.
    client("c33", "Leppävirta", 62.4900, 27.7900, 28, 520, 19, 3, f"{WT};{CO}", weeks=70),
    # --- farther away ---------------------------------------------------------------------------
    client("c34", "Suonenjoki", 62.6250, 27.1270, 51, 1300, 46, 3, f"{WS};{WT}", "car", 75,
           interests="logistics", weeks=180),
    # c35: Tervo is ≈ 40–50 km from the farm and from Kuopio; 45 minutes by car is not enough.
    client("c35", "Tervo", 62.9550, 26.7550, 60, 2600, 95, 2, PA, "car", 45, partial=True,
           weeks=400),
    # c36: Rautavaara, no car, 30 minutes: nothing is near enough.
    client("c36", "Rautavaara", 63.4950, 28.3000, 47, 1700, 60, 3, f"{WT};{WS};{CO};{PA}", "none",
           30,
           weeks=230),
    client("c37", "Iisalmi", 63.5600, 27.2000, 21, 100, 4, 3, CO, interests="office", weeks=16),
    client("c38", "Iisalmi", 63.5500, 27.1800, 35, 540, 20, 2, CO, "car", 45, partial=True,
           needs="quiet"),
    # --- Kuopio: a Swedish speaker, and a client already in a placement ---------------------------
    client("c39", "Kuopio", 62.8950, 27.6950, 33, 480, 17, 4, f"{WT};{WS}", languages="sv;fi",
           interests="retail", weeks=64),
    client("c40", "Kuopio", 62.8780, 27.6450, 41, 900, 32, 3, WS, current="p14",
           used="wage_subsidy:5", weeks=0),
]
# fmt: on

DECISIONS: list[dict[str, Any]] = [
    {
        "client_id": "c27",
        "placement_id": "p09",
        "decision": "lock",
        "reason": "agreed with the client at the weekly team meeting",
        "by": "weekly-team",
        "at": AT,
    },
    {
        "client_id": "c16",
        "placement_id": "p05",
        "decision": "forbid",
        "reason": "employer declined after the interview",
        "by": "employer-liaison",
        "at": AT,
    },
]


def build_small() -> Instance:
    """The example instance, built from the rows above."""
    return build_instance(
        clients=CLIENTS,
        placements=PLACEMENTS,
        providers=PROVIDERS,
        pools=POOLS,
        decisions=DECISIONS,
        name=f"pohjois-savo-small-{WEEK}",
        week=WEEK,
    )


def main(argv: list[str] | None = None) -> int:
    """Write the example to `instances/examples/small/` (or the folder given)."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUT
    write_instance(build_small(), out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
