"""Provider names built from parts so that they read like real Finnish (or Swedish)
organisations, and providers.csv.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from instances import distributions as d
from instances.build import typed_frame
from instances.generator.frames import numbered_ids, object_series
from instances.generator.state import Geo, PlacementArrays

# Provider names: built from parts so that they read like real Finnish (or Swedish) organisations.
SURNAMES = (
    "Virtanen",
    "Korhonen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Salo",
    "Laitinen",
    "Tuominen",
    "Rantanen",
    "Karjalainen",
    "Jokinen",
    "Mattila",
    "Savolainen",
    "Lahtinen",
    "Ahonen",
)


BUSINESS_WORDS: dict[str, tuple[str, ...]] = {
    "care": ("Hoivapalvelut", "Kotihoito"),
    "cleaning": ("Siivouspalvelu", "Puhtaanapito"),
    "construction": ("Rakennus", "Remontti"),
    "logistics": ("Kuljetus", "Logistiikka"),
    "retail": ("Kauppa", "Rautakauppa"),
    "food_service": ("Ravintola", "Lounaskeittiö"),
    "manufacturing": ("Metalli", "Konepaja"),
    "office": ("Tilitoimisto", "Toimistopalvelu"),
    "it": ("IT-palvelut", "Datatalo"),
    "property_maintenance": ("Kiinteistöhuolto", "Isännöinti"),
    "recycling": ("Kierrätys", "Kierrätyskeskus"),
    "agriculture": ("Maatalous", "Puutarha"),
    "crafts": ("Puuseppä", "Käsityö"),
}


ASSOCIATION_WORDS = (
    "Työttömät",
    "Kierrätyskeskus",
    "Mielenterveysseura",
    "Nuorisoseura",
    "Työpaja",
    "Setlementti",
    "Martat",
    "Kansalaistoiminnan keskus",
)


FOUNDATION_WORDS = ("Työvalmennussäätiö", "Nuorisosäätiö", "Kuntoutussäätiö", "Diakoniasäätiö")


SOCIAL_WORDS = ("Työpaja Oy", "Kierrätyspaja Oy", "Palvelupaja Oy", "Työosuuskunta")


MUNICIPAL_UNITS = (
    "työllisyyspalvelut",
    "tekninen toimi",
    "nuorisopalvelut",
    "ruokapalvelut",
    "kotihoito",
    "liikuntapalvelut",
)


FARM_NAMES = (
    "Mäkelän",
    "Ylitalon",
    "Rantalan",
    "Koivurannan",
    "Peltolan",
    "Kotiniemen",
    "Honkalan",
    "Mustikkamäen",
    "Kuusiston",
    "Järvelän",
    "Alatalon",
    "Niittylän",
)


FARM_WORDS = ("tila", "hoivatila", "luomutila", "hevostila")


SV_FARMS = ("Backgården", "Strandgården", "Ängsgården", "Bergsgården", "Åkergården", "Skogsgården")


SV_WORDS = {
    d.COMPANY: ("Transport Ab", "Bygg Ab", "Service Ab", "Handel Ab", "Metall Ab"),
    d.ASSOCIATION: ("Arbetscenter rf", "Ungdomsförening rf", "Marthaförening rf"),
    d.FOUNDATION: ("Arbetsverkstad sr",),
    d.SOCIAL_ENTERPRISE: ("Arbetsverkstad Ab", "Återbruk Ab"),
    d.MUNICIPALITY: ("sysselsättningstjänster", "tekniska sektorn"),
}


def _provider_names(P: PlacementArrays, geo: Geo, rng: np.random.Generator) -> list[str]:
    picks = rng.integers(0, 1 << 30, size=(len(P.v_kind), 3))
    region_gen = [geo.parts[p][1] for p in geo.part]
    names: list[str] = []
    for v, (muni, kind, sector) in enumerate(zip(P.v_muni, P.v_kind, P.v_sector, strict=True)):
        a, b, c = (int(x) for x in picks[v])
        mgen, rgen, svname = geo.genitive[muni], region_gen[muni], geo.sv_name[muni]
        swedish = bool(svname) and geo.sv[muni] >= 0.5
        word = BUSINESS_WORDS[d.SECTORS[sector]][b % 2]
        if swedish:
            name = (
                SV_FARMS[a % len(SV_FARMS)]
                if kind == d.FARM
                else f"{svname} {SV_WORDS[kind][a % len(SV_WORDS[kind])]}"
            )
        elif kind == d.COMPANY:
            name = (
                f"{word} {SURNAMES[c % len(SURNAMES)]} Oy",
                f"{mgen} {word} Oy",
                f"{rgen} {word} Oy",
            )[a % 3]
        elif kind == d.ASSOCIATION:
            name = f"{mgen} {ASSOCIATION_WORDS[a % len(ASSOCIATION_WORDS)]} ry"
        elif kind == d.FOUNDATION:
            name = f"{(mgen, rgen)[b % 2]} {FOUNDATION_WORDS[a % len(FOUNDATION_WORDS)]} sr"
        elif kind == d.SOCIAL_ENTERPRISE:
            word = SOCIAL_WORDS[a % len(SOCIAL_WORDS)]
            name = f"{mgen} {word}" if word != "Työosuuskunta" else f"{rgen} Työosuuskunta"
        elif kind == d.MUNICIPALITY:
            name = f"{mgen} {MUNICIPAL_UNITS[a % len(MUNICIPAL_UNITS)]}"
        else:
            name = (
                f"{FARM_NAMES[a % len(FARM_NAMES)]} {FARM_WORDS[c % len(FARM_WORDS)]}",
                f"{rgen} Hoivafarmi Oy",
            )[b % 4 == 0]
        names.append(name)
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}, toimipiste {seen[name]}")
    return out


def providers_frame(P: PlacementArrays, geo: Geo, rng: np.random.Generator) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": numbered_ids("v", len(P.v_kind)),
            "name": object_series(_provider_names(P, geo, rng)),
            "kind": np.asarray(d.KINDS, dtype=object)[P.v_kind],
            "municipality": geo.names[P.v_muni],
            "max_subsidised": P.v_cap,
        }
    )
    return typed_frame(frame, "providers.csv")
