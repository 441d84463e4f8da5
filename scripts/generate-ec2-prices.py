#!/usr/bin/env python3
"""Generates crates/pricing/data/ec2-sparecores.tsv: EC2 Linux on-demand prices per region
and instance type, from the PyPI package sparecores-data 0.1.0 (data CC BY-SA 4.0, (c)
SpareCores; see crates/pricing/data/LICENSE-sparecores.md).

Get the package into a throwaway venv (later versions download other data at run time and
are not usable), then run this with the SQLite file it contains:

    python3 -m venv /tmp/sc && /tmp/sc/bin/pip install sparecores-data==0.1.0
    python3 scripts/generate-ec2-prices.py \\
        /tmp/sc/lib/python3*/site-packages/sc_data/data/sc-data-all.db

Needs crates/pricing/data/regions.tsv (scripts/generate-regions.py) to map and check region
codes. Keeps table server_price rows with vendor aws, allocation ONDEMAND, operating system
Linux, currency USD, duration HOUR; collapses zone prices to one per region (the most common
if zones disagree, reported); renames SpareCores region ids that are not AWS's (REGION_FIX);
checks known prices (SPOT_CHECKS) and fails if any is wrong.
"""

import argparse
import collections
import hashlib
import json
import sqlite3
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "crates" / "pricing" / "data"
OUT = DATA / "ec2-sparecores.tsv"
REGIONS = DATA / "regions.tsv"

# sha256 of sc_data/data/sc-data-all.db in sparecores-data 0.1.0.
EXPECTED_SHA256 = "5701a122dffae856b3383c4c44bd661b24bcf74537c30db220117310ba055ec6"

# SpareCores region ids that are not AWS region codes. SpareCores 0.1.0 calls Bahrain
# "me-central-2" (its own datacenter name says "Middle East (Bahrain)", AWS's code is
# me-south-1; its prices differ from me-central-1's, so it is not a copy of the UAE).
REGION_FIX = {"me-central-2": "me-south-1"}

# (region, instance type): USD per hour, as AWS lists them.
SPOT_CHECKS = {
    ("us-east-1", "t3.micro"): "0.0104",
    ("us-east-1", "t3.medium"): "0.0416",
    ("us-east-1", "m5.large"): "0.096",
    ("us-east-1", "m7i.xlarge"): "0.2016",
    ("eu-central-1", "t3.medium"): "0.048",
    ("ap-northeast-1", "t3.small"): "0.0272",
}

NOTE = "Linux, shared tenancy"


def fail(message):
    sys.exit(f"generate-ec2-prices: {message}")


def plain(value):
    """A float as stored, as a plain decimal string: 0.0104 (never 1.04e-02 or 0.010400000001),
    7.0 (trailing zeros stripped, one digit kept after the point)."""
    number = Decimal(repr(value))
    if not number.is_finite():
        fail(f"price {value!r} is not a number")
    text = format(number, "f")
    if "." not in text:
        text += ".0"
    whole, fraction = text.split(".")
    if len(fraction.rstrip("0")) > 10:
        fail(f"price {value!r} looks like float noise; check the source before rounding it")
    return f"{whole}.{fraction.rstrip('0') or '0'}"


def read_regions():
    """AWS region code -> set of names (English name and aliases) from regions.tsv."""
    if not REGIONS.exists():
        fail(f"{REGIONS} is missing; run scripts/generate-regions.py first")
    names = {}
    lines = [l for l in REGIONS.read_text(encoding="utf-8").splitlines() if not l.startswith("#")]
    header = lines[0].split("\t")
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t")))
        names[row["code"]] = {row["name_en"], *row["aliases"].split("|")}
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="sc_data/data/sc-data-all.db from sparecores-data 0.1.0")
    parser.add_argument("--output", default=str(OUT))
    args = parser.parse_args()

    digest = hashlib.sha256(Path(args.database).read_bytes()).hexdigest()
    if digest != EXPECTED_SHA256:
        fail(f"{args.database} has sha256 {digest}, not sparecores-data 0.1.0's "
             f"{EXPECTED_SHA256}; the header would cite the wrong source")

    aws_regions = read_regions()
    db = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)

    datacenters = {
        dc: (name, aliases)
        for dc, name, aliases in db.execute(
            "SELECT id, name, aliases FROM datacenter WHERE vendor_id = 'aws'")
    }
    rows = db.execute(
        """SELECT datacenter_id, zone_id, server_id, price, inserted_at
           FROM server_price
           WHERE vendor_id = 'aws' AND allocation = 'ONDEMAND' AND operating_system = 'Linux'
             AND currency = 'USD' AND duration = 'HOUR'""").fetchall()
    skipped = db.execute(
        """SELECT currency, allocation, operating_system, duration, count(*) FROM server_price
           WHERE vendor_id = 'aws' AND NOT (allocation = 'ONDEMAND'
             AND operating_system = 'Linux' AND currency = 'USD' AND duration = 'HOUR')
           GROUP BY 1, 2, 3, 4""").fetchall()
    if not rows:
        fail("no AWS Linux on-demand USD prices in the database")

    # Region ids -> AWS codes, checked against the names SpareCores gives them.
    code_of = {}
    for dc in sorted({r[0] for r in rows}):
        code = REGION_FIX.get(dc, dc)
        if code not in aws_regions:
            fail(f"SpareCores region {dc} maps to {code}, which regions.tsv does not list")
        name, aliases = datacenters[dc]
        sc_names = {name, *json.loads(aliases or "[]")}
        if not sc_names & aws_regions[code]:
            fail(f"SpareCores region {dc} ({name}) maps to {code}, whose names are "
                 f"{sorted(aws_regions[code])}")
        code_of[dc] = code

    # Collapse zones: one price per (region, type).
    prices = collections.defaultdict(list)
    dates = set()
    for dc, zone, server, price, inserted_at in rows:
        prices[(code_of[dc], server)].append((zone, plain(price)))
        dates.add(inserted_at[:10])
    date = max(dates)

    disagreements = []
    table = {}
    for (region, server), zone_prices in prices.items():
        counts = collections.Counter(p for _, p in zone_prices)
        # Most common; ties go to the lower price so a rerun gives the same file.
        best = sorted(counts.items(), key=lambda item: (-item[1], Decimal(item[0])))[0][0]
        if len(counts) > 1:
            disagreements.append((region, server, sorted(zone_prices), best))
        if Decimal(best) <= 0:
            fail(f"{region} {server}: price {best} is not positive")
        table[(server, region)] = best

    for (region, server), expected in SPOT_CHECKS.items():
        got = table.get((server, region))
        if got is None or Decimal(got) != Decimal(expected):
            fail(f"spot check: {region} {server} is {got}, AWS lists {expected}")

    lines = [
        "# AgentDesk price catalog",
        "# source: sparecores-data 0.1.0 (EC2 Linux on-demand)",
        f"# date: {date}",
        "# url: https://pypi.org/project/sparecores-data/0.1.0/",
        "# licence: CC BY-SA 4.0, © SpareCores; see crates/pricing/data/LICENSE-sparecores.md",
        "# Generated by scripts/generate-ec2-prices.py, do not edit by hand; its header says how.",
        "service\tresource\tregion\tunit\tusd\tsku\tnote",
    ]
    for (server, region) in sorted(table):
        lines.append("\t".join(["ec2", server, region, "instance-hour", table[(server, region)],
                                "", NOTE]))
    Path(args.output).write_text("\n".join(lines) + "\n", encoding="utf-8")

    per_region = collections.Counter(region for _, region in table)
    print(f"{len(table)} prices ({len(rows)} source rows), {len(per_region)} regions, "
          f"{len({s for s, _ in table})} instance types, date {date}, written to {args.output}")
    for dc, code in sorted(code_of.items()):
        if dc != code:
            print(f"  SpareCores region {dc} ({datacenters[dc][0]}) written as {code}")
    for region in sorted(per_region):
        print(f"  {region:<15} {per_region[region]:>4} types")
    missing = sorted(set(aws_regions) - set(per_region))
    print(f"regions in regions.tsv without SpareCores prices: {', '.join(missing) or 'none'}")
    for currency, allocation, system, duration, count in skipped:
        print(f"skipped: {count} rows {allocation} {system} {currency} per {duration}")
    if disagreements:
        print(f"{len(disagreements)} (region, type) pairs whose zones disagree; "
              "the most common price was taken:")
        for region, server, zone_prices, best in sorted(disagreements):
            print(f"  {region} {server}: {zone_prices} -> {best}")
    else:
        zones = sorted({zone for _, zone, _, _, _ in rows})
        print(f"zones: no disagreements (zone ids in the source: {zones})")


if __name__ == "__main__":
    main()
