#!/usr/bin/env python3
"""Generates the labelled description set for the screening tests.

Writes, next to this script:
  marks.json                   applications (marks, Nice classes, goods HS,
                               authorised parties) the test indexes
  labelled_descriptions.jsonl  one JSON object per line:
     {"case": TAG, "description": ..., "hs": ..., "consignor"?: {...},
      "consignee"?: {...}, "expected": [{"application", "mark",
      "relevance"?, "authorised"?, "distance"?, "found"?}]}

Seeded and deterministic: the same script gives the same files. The files are
committed; the C++ test reads them and never runs Python (CI machines need not
have it). Re-run after changing this script:  python3 generate.py

Marks are fictional: the demo's (ZENTRA, LUMIO, ...) plus generated
pronounceable names kept at least 6 edits apart from each other, so a disguise
of one mark never is another mark.
"""
import json
import os
import random
import unicodedata

SEED = 20250304
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
rng = random.Random(SEED)

with open(os.path.join(ROOT, "data", "nice_hs.json"), encoding="utf-8") as f:
    NICE_HS = {c["class"]: set(c["hs_chapters"]) for c in json.load(f)["classes"]}

# Goods categories: Nice classes, goods HS headings, an item HS code, and
# description words.
CATEGORIES = {
    "footwear": ([25], ["6402", "6403", "6404"], "640411", ["sport shoes", "running shoes", "sneakers", "trainers", "boots"]),
    "apparel": ([25], ["6109", "6110"], "610910", ["t-shirts", "hoodies", "sweatshirts", "polo shirts", "jackets"]),
    "electronics": ([9], ["8504", "8507", "8517", "8518"], "851830", ["headphones", "chargers", "power banks", "phone cases", "earbuds"]),
    "cosmetics": ([3], ["3303", "3304"], "330499", ["perfume", "face cream", "lipstick", "eau de toilette", "mascara"]),
    "toys": ([28], ["9503", "9506"], "950300", ["toy cars", "dolls", "footballs", "puzzles", "board games"]),
    "bags": ([18], ["4202"], "420221", ["handbags", "backpacks", "wallets", "suitcases", "purses"]),
    "watches": ([14], ["9102", "7117"], "910211", ["wrist watches", "bracelets", "necklaces", "earrings", "watch straps"]),
    "tools": ([8, 7], ["8203", "8205", "8467"], "820320", ["pliers", "spanners", "drills", "screwdrivers", "hammers"]),
    "pharma": ([5], ["3004"], "300490", ["tablets", "capsules", "syrup", "ointment", "blister packs"]),
    "auto": ([12], ["8708", "8714"], "870830", ["brake pads", "wheel rims", "motorcycle mirrors", "spark plugs", "filters"]),
}
# Items of goods no generated mark's classes cover, for unrelated hits.
UNRELATED_GOODS = [
    ("340600", "scented candles"), ("940540", "garden lamps"), ("220300", "beer bottles"),
    ("480256", "copy paper"), ("690911", "ceramic tiles"), ("090121", "roasted coffee"),
    ("440710", "sawn timber"), ("170490", "sugar confectionery"),
]
FILLER = ["assorted", "new", "mixed sizes", "black", "white", "for men", "for women", "kids",
          "cotton", "plastic", "packed in cartons", "sample", "model 2024", "size 42",
          "1200 pcs", "blue", "leather", "rubber sole", "premium quality", "set of 3"]
CLEAN_DESCRIPTIONS = [
    "plain cotton t-shirts assorted colours", "rubber sole sport shoes for men",
    "stainless steel kitchen knives", "plastic toy cars assorted", "leather wallets brown",
    "usb chargers 20W white", "face cream 50 ml", "garden hose 20 m", "ceramic coffee cups",
    "wooden chairs unassembled", "polyester jackets waterproof", "copper wire 2.5 mm",
    "bicycle helmets adult size", "printer paper A4 80 g", "led lamps 9W", "screwdriver set 12 pcs",
    "vitamin tablets 100 pcs", "brake pads for cars", "scented candles vanilla",
    "sunglasses with case", "velocity sensor for bicycles", "central heating pump",
    "ironclad storage box", "nordic walking poles", "lumen meter digital", "kestrel bird figurine",
    "aureole glass ornament", "hand tools assorted", "mobile phone cases silicone",
    "running shoes size 42", "power banks 10000 mAh", "wireless earbuds black",
    "sweatshirts for kids", "handbags synthetic leather", "wrist watches quartz",
    "spark plugs for motorcycles", "toy dolls with clothes", "eau de toilette 100 ml",
    "pliers and spanners set", "capsules in blister packs", "board games for children",
]
# Ordinary words within reach of a demo mark, in real descriptions.
GENERIC_NEAR = [
    ("velocity", "871495", "velocity sensor"), ("ironclad", "820300", "ironclad tool box"),
    ("kestrel", "950300", "kestrel toy bird"), ("central", "841350", "central heating pump"),
    ("lumen", "903031", "lumen meter"), ("nordic", "950699", "nordic walking poles"),
    ("aureole", "701890", "aureole glass ornament"), ("centre", "940360", "centre table wooden"),
    ("velocities", "903289", "velocities gauge"), ("ironclads", "950300", "ironclads model ships"),
    ("lumina", "940540", "lumina garden lamp"), ("zentrale", "841350", "zentrale heizung pumpe"),
]
# Demo applications (as in src/demo/demo.cc).
DEMO = [
    ("app-zentra", [("ZENTRA", [25, 28]), ("ZENTRA AIR RUNNER", [25, 28]), ("ZX-PRO", [25, 28])],
     ["6402", "6403", "6404", "6109", "6110", "9506"], "footwear",
     [("Zentra Logistics B.V.", "NL"), ("Sporthaus Nord GmbH", "DE")]),
    ("app-lumio", [("LUMIO", [9]), ("LUMIO POWERCELL", [9]), ("LUMIOBEAM", [9])],
     ["8504", "8507", "8517", "8518"], "electronics", [("Lumio Distribution GmbH", "DE")]),
    ("app-aurelle", [("AURELLE", [3]), ("AURELLE NUIT", [3])], ["3303", "3304"], "cosmetics",
     [("Aurelle Benelux B.V.", "NL")]),
    ("app-velocita", [("VELOCITA", [12, 9]), ("VLC RACING", [12, 9])], ["8714", "6506"], "auto",
     [("Velocita Deutschland GmbH", "DE")]),
    ("app-hanfeng", [("HANFENG", [7, 8]), ("IRONCLAW", [7, 8])], ["8203", "8204", "8205", "8467"],
     "tools", [("Hanfeng Europe B.V.", "NL")]),
    ("app-nordvik", [("NORDVIK", [22, 25]), ("FJELLTOPP", [22, 25])], ["6201", "6202", "6306"],
     "apparel", [("Nordvik Retail GmbH", "DE")]),
    ("app-kestrel", [("KESTRELIN", [5]), ("ORAVEX", [5])], ["3004"], "pharma",
     [("Kestrel Pharma Manufacturing GmbH", "DE")]),
]

CONSONANTS = "bcdfghjkmnprstvwxz"
VOWELS = "aeiou"
CLUSTERS = ["br", "tr", "kr", "st", "pl", "gr", "fr", "dr", "sk", "vr"]


def levenshtein(a, b):
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j - 1] + (ca != cb), previous[j] + 1, current[j - 1] + 1))
        previous = current
    return previous[-1]


def skeleton(text):
    """The ASCII part of the C++ matching key: lower case, l and i merged."""
    return text.lower().replace("l", "i")


def allowed(mark):
    letters = sum(1 for c in mark if c.isalnum())
    return 2 if letters >= 9 else 1 if letters >= 5 else 0


def make_name(rng, min_len, max_len):
    while True:
        word = ""
        if rng.random() < 0.3:
            word += rng.choice(CLUSTERS)
        while len(word) < rng.randint(min_len, max_len):
            word += rng.choice(VOWELS)
            word += rng.choice(CONSONANTS) if rng.random() < 0.8 else rng.choice(CLUSTERS)
        if rng.random() < 0.5:
            word += rng.choice(VOWELS)
        if min_len <= len(word) <= max_len:
            return word.upper()


def generate_marks(rng, count, taken):
    marks = []
    keys = [skeleton(m.replace(" ", "")) for m in taken]
    while len(marks) < count:
        kind = rng.random()
        if kind < 0.15:
            mark = make_name(rng, 3, 4)
        elif kind < 0.55:
            mark = make_name(rng, 5, 8)
        elif kind < 0.85:
            mark = make_name(rng, 9, 12)
        else:
            mark = make_name(rng, 4, 7) + " " + make_name(rng, 4, 7)
        key = skeleton(mark.replace(" ", ""))
        # Short marks only need to differ (they match exactly); others stay
        # out of each other's reach even after a disguise of a few edits.
        if any(levenshtein(key, other) < (3 if min(len(key), len(other)) < 5 else 6)
               for other in keys):
            continue
        keys.append(key)
        marks.append(mark)
    return marks


COMPANY_WORDS = ["Trading", "Import", "Handel", "Logistics", "Distribution", "Retail", "Commerce"]
LEGAL = [("GmbH", "DE"), ("B.V.", "NL"), ("S.A.", "FR"), ("S.p.A.", "IT"), ("AS", "NO"),
         ("Ltd", "IE"), ("S.L.", "ES"), ("Inc.", "US"), ("Co., Ltd.", "CN"), ("LLC", "US")]


def build_applications(rng):
    applications = []
    taken = [m for _, marks, _, _, _ in DEMO for m, _ in marks]
    for app_id, marks, goods, category, parties in DEMO:
        applications.append({
            "id": app_id, "category": category,
            "marks": [{"text": m, "right_index": 0, "nice_classes": c} for m, c in marks],
            "goods_hs": goods,
            "authorised_parties": [{"name": n, "country": c} for n, c in parties]})
    generated = generate_marks(rng, 210, taken)
    categories = sorted(CATEGORIES)
    for index in range(0, len(generated), 3):
        category = categories[(index // 3) % len(categories)]
        classes, goods, _, _ = CATEGORIES[category]
        group = generated[index:index + 3]
        legal, country = rng.choice(LEGAL)
        party_name = "%s %s %s" % (group[0].title().split()[0], rng.choice(COMPANY_WORDS), legal)
        applications.append({
            "id": "app-gen-%03d" % (index // 3), "category": category,
            "marks": [{"text": m, "right_index": r, "nice_classes": classes}
                      for r, m in enumerate(group)],
            "goods_hs": goods,
            "authorised_parties": [{"name": party_name, "country": country}]})
    return applications


def relevance(application, mark, hs):
    if len(hs) < 2:
        return "class_related"
    for goods in application["goods_hs"]:
        if hs.startswith(goods) or goods.startswith(hs):
            return "listed_goods"
    chapters = set()
    for nice_class in mark["nice_classes"]:
        chapters |= NICE_HS[nice_class]
    return "class_related" if hs[:2] in chapters else "unrelated"


# Disguises. Each returns the disguised mark text.
CYRILLIC = {"A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "О", "P": "Р",
            "C": "С", "T": "Т", "X": "Х", "Y": "У", "a": "а", "e": "е", "o": "о", "p": "р",
            "c": "с", "x": "х", "y": "у", "I": "І", "S": "Ѕ", "J": "Ј"}
GREEK = {"A": "Α", "B": "Β", "E": "Ε", "Z": "Ζ", "H": "Η", "I": "Ι", "K": "Κ", "M": "Μ",
         "N": "Ν", "O": "Ο", "P": "Ρ", "T": "Τ", "Y": "Υ", "X": "Χ"}
ACCENTS = {"A": "ÁÀÂÄÅ", "E": "ÉÈÊË", "I": "ÍÌÎÏ", "O": "ÓÒÔÖ", "U": "ÚÙÛÜ", "N": "Ñ", "C": "Ç"}
DIGITS = {"O": "0", "I": "1", "L": "1", "E": "3", "A": "4", "S": "5", "T": "7", "B": "8"}


def swap_some(rng, mark, table, minimum=1):
    positions = [i for i, c in enumerate(mark) if c in table]
    if len(positions) < minimum:
        return None
    chosen = rng.sample(positions, max(minimum, rng.randint(1, len(positions))))
    return "".join(rng.choice(table[c]) if i in chosen else c for i, c in enumerate(mark))


def disguise(rng, tag, mark):
    if tag == "exact":
        return mark
    if tag == "case":
        while True:
            text = "".join(c.lower() if rng.random() < 0.5 else c for c in mark)
            if text != mark:
                return text
    if tag == "accent":
        return swap_some(rng, mark, ACCENTS)
    if tag == "cyrillic":
        text = mark if rng.random() < 0.5 else mark.lower()
        return swap_some(rng, text, CYRILLIC)
    if tag == "greek":
        return swap_some(rng, mark, GREEK)
    if tag == "digits":
        return swap_some(rng, mark, DIGITS)
    if tag == "separators":
        if " " in mark or "-" in mark:
            return None
        separator = rng.choice([".", " ", "-", "_", "*", "/"])
        return separator.join(mark) + (separator if separator == "." and rng.random() < 0.5 else "")
    if tag == "invisible":
        if len(mark) < 3:
            return None
        position = rng.randint(1, len(mark) - 1)
        return mark[:position] + rng.choice(["\u200b", "\u00ad", "\u200d"]) + mark[position:]
    if tag == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in mark)
    return None


def typo(rng, mark, edits):
    """`edits` random letter edits, such that the skeleton distance is exactly `edits`."""
    alphabet = "abcdefghjkmnpqrstuvwxyz"  # no i/l: they share a symbol in the key
    base = skeleton(mark)
    for _ in range(200):
        text = list(mark.lower())
        for _ in range(edits):
            letters = [i for i, c in enumerate(text) if c.isalpha()]
            operation = rng.choice(["sub", "ins", "del"])
            position = rng.choice(letters)
            if operation == "sub":
                text[position] = rng.choice(alphabet)
            elif operation == "ins":
                text.insert(position + rng.randint(0, 1), rng.choice(alphabet))
            elif len(letters) > 3:
                del text[position]
        candidate = "".join(text)
        if " " in candidate and candidate.count(" ") != mark.count(" "):
            continue
        if candidate.startswith(" ") or candidate.endswith(" ") or "  " in candidate:
            continue
        if levenshtein(skeleton(candidate), base) == edits:
            return candidate.upper() if rng.random() < 0.7 else candidate
    return None


def party(name, country):
    return {"name": name, "country": country}


def main():
    applications = build_applications(rng)
    lines = []

    def add(tag, description, hs, expected, consignor=None, consignee=None):
        line = {"case": tag, "description": description, "hs": hs, "expected": expected}
        if consignor:
            line["consignor"] = consignor
        if consignee:
            line["consignee"] = consignee
        lines.append(line)

    def pick(filter_fn=lambda app, mark: True):
        while True:
            app = rng.choice(applications)
            mark = rng.choice(app["marks"])
            if filter_fn(app, mark):
                return app, mark

    def sentence(app, text):
        _, _, hs, words = CATEGORIES[app["category"]]
        pattern = rng.choice(["{w} {m}", "{m} {w}", "{w} {m} {f}", "{f} {w} {m}", "{m} brand {w} {f}"])
        return pattern.format(w=rng.choice(words), m=text, f=rng.choice(FILLER)), hs

    def expectation(app, mark, hs, **extra):
        entry = {"application": app["id"], "mark": mark["text"],
                 "relevance": relevance(app, mark, hs)}
        entry.update(extra)
        return [entry]

    # Disguises of every kind: found, exact distance 0.
    for tag in ["exact", "case", "accent", "cyrillic", "greek", "digits", "separators",
                "invisible", "fullwidth"]:
        made = 0
        while made < 30:
            app, mark = pick()
            text = disguise(rng, tag, mark["text"])
            if text is None:
                continue
            description, hs = sentence(app, text)
            extra = {"distance": 0}
            if tag != "separators":
                extra["found"] = text
            add(tag, description, hs, expectation(app, mark, hs, **extra))
            made += 1

    # Typing variants within the limits.
    for tag, edits, letters in [("typo1", 1, (5, 8)), ("typo2", 2, (9, 99))]:
        made = 0
        while made < 35:
            app, mark = pick(lambda a, m: " " not in m["text"] and
                             letters[0] <= len(m["text"]) <= letters[1])
            text = typo(rng, mark["text"], edits)
            if text is None:
                continue
            description, hs = sentence(app, text)
            add(tag, description, hs, expectation(app, mark, hs, distance=edits, found=text))
            made += 1

    # Multi-word marks, exact (any case) and with typing variants.
    made = 0
    while made < 30:
        app, mark = pick(lambda a, m: " " in m["text"] or "-" in m["text"])
        text = mark["text"] if rng.random() < 0.5 else mark["text"].title()
        description, hs = sentence(app, text)
        add("multiword", description, hs, expectation(app, mark, hs, distance=0))
        made += 1
    made = 0
    while made < 25:
        app, mark = pick(lambda a, m: " " in m["text"] and allowed(m["text"]) > 0)
        text = typo(rng, mark["text"], 1)
        if text is None:
            continue
        description, hs = sentence(app, text)
        add("multiword_typo", description, hs, expectation(app, mark, hs, distance=1))
        made += 1

    # Camel case: a mark glued to a following word, split at the case change.
    made = 0
    while made < 20:
        app, mark = pick(lambda a, m: " " not in m["text"] and "-" not in m["text"]
                         and len(m["text"]) >= 4)
        _, _, hs, words = CATEGORIES[app["category"]]
        glued = mark["text"].title() + rng.choice(["Sport", "Pro", "Style", "Max", "Plus"]) + "s"
        add("camel_case", "%s %s" % (rng.choice(words), glued), hs,
            expectation(app, mark, hs, distance=0))
        made += 1

    # Short marks (fewer than 5 letters): exact only, found; variants not.
    short = [(a, m) for a in applications for m in a["marks"] if len(m["text"]) < 5]
    for _ in range(25):
        app, mark = rng.choice(short)
        text = mark["text"] if rng.random() < 0.5 else disguise(rng, "case", mark["text"])
        description, hs = sentence(app, text)
        add("short_mark", description, hs, expectation(app, mark, hs, distance=0))
    made = 0
    while made < 25:
        app, mark = rng.choice(short)
        choice = rng.random()
        if choice < 0.5:
            text = typo(rng, mark["text"], 1)  # one edit: short marks are exact only
        else:
            text = rng.choice(["X", "BO", "MAR"]) + mark["text"].lower() + rng.choice(["", "ex", "on"])
        if text is None:
            continue
        description, hs = sentence(app, text)
        add("short_mark_negative", description, hs, [])
        made += 1

    # Relevance: the same mark in unrelated goods, and in goods its classes cover.
    for _ in range(30):
        app, mark = pick()
        hs, goods = rng.choice(UNRELATED_GOODS)
        covered = set()
        for nice_class in mark["nice_classes"]:
            covered |= NICE_HS[nice_class]
        if hs[:2] in covered:
            continue
        text = mark["text"] if rng.random() < 0.5 else mark["text"].lower()
        add("unrelated_goods", "%s %s" % (text, goods), hs,
            expectation(app, mark, hs, distance=0))
    made = 0
    while made < 25:
        app, mark = pick()
        chapters = sorted(set().union(*(NICE_HS[c] for c in mark["nice_classes"])))
        chapter = rng.choice(chapters)
        hs = chapter + "9990"
        if relevance(app, mark, hs) != "class_related":
            continue
        add("class_related", "%s goods %s" % (mark["text"], rng.choice(FILLER)), hs,
            expectation(app, mark, hs, distance=0))
        made += 1

    # Authorised parties: name with its legal form written differently, same
    # country; and the same name from another country (not authorised).
    def restyle(name):
        variants = [name.upper(), name.replace(".", ""), name.replace(",", ""),
                    name.lower(), name.replace("GmbH", "G.m.b.H."), name.replace(" B.V.", " BV")]
        return rng.choice(variants)

    made = 0
    while made < 30:
        app, mark = pick(lambda a, m: len(a["authorised_parties"]) > 0)
        authorised = rng.choice(app["authorised_parties"])
        description, hs = sentence(app, mark["text"])
        other = party("Shenzhen Bright Trading Co., Ltd.", "CN")
        me = party(restyle(authorised["name"]), authorised["country"])
        consignor, consignee = (me, party("Nordhandel GmbH", "DE")) if rng.random() < 0.5 else (other, me)
        add("authorised", description, hs,
            expectation(app, mark, hs, distance=0, authorised=True), consignor, consignee)
        made += 1
    made = 0
    while made < 20:
        app, mark = pick(lambda a, m: len(a["authorised_parties"]) > 0)
        authorised = rng.choice(app["authorised_parties"])
        country = rng.choice([c for c in ["DE", "NL", "CN", "FR", "PL"] if c != authorised["country"]])
        description, hs = sentence(app, mark["text"])
        add("authorised_other_country", description, hs,
            expectation(app, mark, hs, distance=0, authorised=False),
            party("Shenzhen Bright Trading Co., Ltd.", "CN"), party(authorised["name"], country))
        made += 1

    # Hard negatives.
    for _ in range(60):
        add("clean", rng.choice(CLEAN_DESCRIPTIONS) + rng.choice(["", " " + rng.choice(FILLER)]),
            rng.choice(["640411", "610910", "851830", "330499", "950300", "420221", "820320"]), [])
    for _ in range(36):
        word, hs, description = rng.choice(GENERIC_NEAR)
        add("generic_word_negative", description + rng.choice(["", " " + rng.choice(FILLER)]), hs, [])
    made = 0
    while made < 30:
        app, mark = pick(lambda a, m: " " not in m["text"] and "-" not in m["text"])
        prefix = rng.choice(["KA", "MEGA", "ULTRA", "X", "SUPER"])
        suffix = rng.choice(["", "LAND", "TEX", "MAX"])
        glued = prefix + mark["text"] + suffix
        # Glued on both sides or far enough that no whole word is within reach.
        if levenshtein(skeleton(glued), skeleton(mark["text"])) <= allowed(mark["text"]):
            continue
        description, hs = sentence(app, glued)
        add("embedded_negative", description, hs, [])
        made += 1
    made = 0
    while made < 30:
        app, mark = pick(lambda a, m: " " not in m["text"] and allowed(m["text"]) > 0)
        edits = allowed(mark["text"]) + 1
        text = typo(rng, mark["text"], edits)
        if text is None:
            continue
        description, hs = sentence(app, text)
        add("beyond_limits", description, hs, [])
        made += 1

    with open(os.path.join(HERE, "marks.json"), "w", encoding="utf-8") as f:
        json.dump({"seed": SEED, "generator": "tests/data/screening/generate.py",
                   "applications": [{k: v for k, v in a.items() if k != "category"}
                                    for a in applications]}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(os.path.join(HERE, "labelled_descriptions.jsonl"), "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    print("wrote %d applications, %d labelled descriptions" % (len(applications), len(lines)))


if __name__ == "__main__":
    main()
