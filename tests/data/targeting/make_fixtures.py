#!/usr/bin/env python3
"""Writes the small targeting fixtures (train.csv, test.csv) beside this file.

Seeded and deterministic: running it again reproduces the committed files.
The outcome depends on the origin x HS6 combination and on undervaluation
(value per kg far below the usual for the HS code), with noise, so a model
that learns pair rates and unit-value deviations beats the base rate clearly.
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = ["Decl No", "Filed", "Importer", "Declarant", "HS Code", "Origin", "Office",
          "Value EUR", "Mass kg", "Duty Rate", "Extra Duty", "Inspected Outcome"]
ORIGINS = ["CN", "VN", "TR", "IN", "DE", "US"]
OFFICES = ["DEHAM", "DEFRA", "NLRTM"]
HS = ["640399", "640419", "420221", "420292", "610910", "611020", "950300", "851830"]
# Unit prices (EUR/kg) per HS code.
PRICE = {h: 10.0 + 7.0 * i for i, h in enumerate(HS)}
RISKY = {("CN", "640399"), ("CN", "420221"), ("VN", "640419"), ("TR", "610910"),
         ("IN", "611020"), ("CN", "851830")}


def rows(rng, count, first_id, start_day):
    out = []
    for index in range(count):
        origin = rng.choice(ORIGINS)
        hs = rng.choice(HS)
        importer = "IMP%03d" % rng.randrange(60)
        declarant = "DCL%02d" % rng.randrange(12)
        office = rng.choice(OFFICES)
        mass = round(math.exp(rng.uniform(math.log(5), math.log(800))), 1)
        undervalued = rng.random() < 0.15
        unit = PRICE[hs] * math.exp(rng.gauss(0, 0.15)) * (0.3 if undervalued else 1.0)
        value = round(mass * unit, 2)
        risk = 0.04 + (0.6 if (origin, hs) in RISKY else 0.0) + (0.45 if undervalued else 0.0)
        outcome = 1 if rng.random() < min(risk, 0.95) else 0
        day = start_day + index * 90 // count
        date = "2024-%02d-%02d" % (1 + day // 28 % 12, 1 + day % 28)
        extra = round(value * 0.12, 2) if outcome else 0
        out.append([str(first_id + index), date, importer, declarant, hs, origin, office,
                    "%.2f" % value, "%.1f" % mass, "%.1f" % rng.choice([0, 3.5, 8, 12]),
                    "%.2f" % extra, str(outcome)])
    return out


def write(name, table):
    with open(os.path.join(HERE, name), "w", newline="") as file:
        file.write(",".join(HEADER) + "\n")
        for row in table:
            file.write(",".join(row) + "\n")


def main():
    rng = random.Random(20240401)
    write("train.csv", rows(rng, 900, 100000, 0))
    write("test.csv", rows(rng, 400, 200000, 120))


if __name__ == "__main__":
    main()
