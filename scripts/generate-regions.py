#!/usr/bin/env python3
"""Generates crates/pricing/data/regions.tsv: AWS's commercial regions with English and
Japanese names and the other ways people write them.

The codes and English names come from botocore's botocore/data/partitions.json (Apache-2.0),
partition `aws`, `*-global` entries skipped. Get the botocore wheel (PyPI, no install needed):

    python3 -m pip download --no-deps --only-binary=:all: -d /tmp/botocore botocore
    python3 scripts/generate-regions.py /tmp/botocore/botocore-*.whl

A plain partitions.json path works too (the botocore version is then unknown unless given
with --botocore-version). The Japanese names (AWS's console names), short names and aliases
are this script's own table, JAPANESE below. The script fails if botocore lists a region the
table lacks, if the table names a region botocore does not list, or if any name or alias
would point at two regions.

Columns: code, name_en (botocore's description), short_en (the place in its parentheses,
unless SHORT_EN_OVERRIDES says otherwise), name_ja, short_ja, aliases (`|`-separated).
"""

import argparse
import json
import re
import sys
import unicodedata
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "crates" / "pricing" / "data" / "regions.tsv"

# code: (name_ja, short_ja, [aliases]). Aliases are other names people write for the region,
# in English or Japanese, including the AWS Price List's older location names ("EU (Ireland)").
# An alias must not repeat any of the region's own names and must not be any name of
# another region.
JAPANESE = {
    "af-south-1": ("アフリカ (ケープタウン)", "ケープタウン",
                   ["Africa", "South Africa", "Capetown", "アフリカ", "南アフリカ"]),
    "ap-east-1": ("アジアパシフィック (香港)", "香港", ["Hongkong", "ホンコン"]),
    "ap-east-2": ("アジアパシフィック (台北)", "台北", ["Taiwan", "台湾", "タイペイ"]),
    "ap-northeast-1": ("アジアパシフィック (東京)", "東京",
                       ["Tokyo Region", "東京リージョン", "アジア太平洋 (東京)"]),
    "ap-northeast-2": ("アジアパシフィック (ソウル)", "ソウル",
                       ["Seoul Region", "Korea", "South Korea", "韓国", "ソウルリージョン"]),
    "ap-northeast-3": ("アジアパシフィック (大阪)", "大阪",
                       ["Osaka Region", "Osaka-Local", "Asia Pacific (Osaka-Local)",
                        "大阪リージョン", "アジア太平洋 (大阪)"]),
    "ap-south-1": ("アジアパシフィック (ムンバイ)", "ムンバイ",
                   ["Mumbai Region", "Bombay", "ムンバイリージョン"]),
    "ap-south-2": ("アジアパシフィック (ハイデラバード)", "ハイデラバード",
                   ["Hyderabad Region", "ハイデラバードリージョン"]),
    "ap-southeast-1": ("アジアパシフィック (シンガポール)", "シンガポール",
                       ["Singapore Region", "シンガポールリージョン"]),
    "ap-southeast-2": ("アジアパシフィック (シドニー)", "シドニー",
                       ["Sydney Region", "シドニーリージョン"]),
    "ap-southeast-3": ("アジアパシフィック (ジャカルタ)", "ジャカルタ",
                       ["Indonesia", "インドネシア"]),
    "ap-southeast-4": ("アジアパシフィック (メルボルン)", "メルボルン",
                       ["Melbourne Region", "メルボルンリージョン"]),
    "ap-southeast-5": ("アジアパシフィック (マレーシア)", "マレーシア",
                       ["Malaysia Region", "マレーシアリージョン"]),
    "ap-southeast-6": ("アジアパシフィック (ニュージーランド)", "ニュージーランド",
                       ["Auckland", "オークランド"]),
    "ap-southeast-7": ("アジアパシフィック (タイ)", "タイ",
                       ["Thailand Region", "タイリージョン"]),
    "ca-central-1": ("カナダ (中部)", "カナダ中部",
                     ["Montreal", "Montréal", "モントリオール"]),
    "ca-west-1": ("カナダ西部 (カルガリー)", "カルガリー",
                  ["Canada West", "Canada (Calgary)", "カナダ西部"]),
    "eu-central-1": ("欧州 (フランクフルト)", "フランクフルト",
                     ["Frankfurt am Main", "EU (Frankfurt)", "ヨーロッパ (フランクフルト)",
                      "Germany", "ドイツ"]),
    "eu-central-2": ("欧州 (チューリッヒ)", "チューリッヒ",
                     ["Zürich", "EU (Zurich)", "ヨーロッパ (チューリッヒ)", "Switzerland", "スイス"]),
    "eu-north-1": ("欧州 (ストックホルム)", "ストックホルム",
                   ["EU (Stockholm)", "ヨーロッパ (ストックホルム)", "Sweden", "スウェーデン"]),
    "eu-south-1": ("欧州 (ミラノ)", "ミラノ",
                   ["Milano", "EU (Milan)", "ヨーロッパ (ミラノ)", "Italy", "イタリア"]),
    "eu-south-2": ("欧州 (スペイン)", "スペイン",
                   ["EU (Spain)", "ヨーロッパ (スペイン)", "Aragon", "アラゴン"]),
    "eu-west-1": ("欧州 (アイルランド)", "アイルランド",
                  ["Dublin", "ダブリン", "EU (Ireland)", "ヨーロッパ (アイルランド)"]),
    "eu-west-2": ("欧州 (ロンドン)", "ロンドン",
                  ["EU (London)", "ヨーロッパ (ロンドン)", "United Kingdom", "UK", "イギリス", "英国"]),
    "eu-west-3": ("欧州 (パリ)", "パリ",
                  ["EU (Paris)", "ヨーロッパ (パリ)", "France", "フランス"]),
    "il-central-1": ("イスラエル (テルアビブ)", "テルアビブ",
                     ["Israel", "イスラエル", "Tel Aviv-Yafo"]),
    "me-central-1": ("中東 (UAE)", "UAE",
                     ["United Arab Emirates", "アラブ首長国連邦"]),
    "me-south-1": ("中東 (バーレーン)", "バーレーン",
                   ["Bahrain Region", "バーレーンリージョン"]),
    "me-west-1": ("中東 (サウジアラビア)", "サウジアラビア",
                  ["Saudi Arabia Region", "サウジアラビアリージョン"]),
    "mx-central-1": ("メキシコ (中部)", "メキシコ中部",
                     ["Mexico", "メキシコ", "Querétaro", "Queretaro", "ケレタロ"]),
    "sa-east-1": ("南米 (サンパウロ)", "サンパウロ",
                  ["São Paulo", "South America (São Paulo)", "Brazil", "ブラジル"]),
    "sa-west-1": ("南米 (チリ)", "チリ", ["Chile Region", "チリリージョン"]),
    "us-east-1": ("米国東部 (バージニア北部)", "バージニア北部",
                  ["Virginia", "N Virginia", "Northern Virginia", "US East", "米国東部",
                   "バージニア", "北バージニア"]),
    "us-east-2": ("米国東部 (オハイオ)", "オハイオ", ["Ohio Region", "オハイオ州"]),
    "us-west-1": ("米国西部 (北カリフォルニア)", "北カリフォルニア",
                  ["N California", "Northern California", "California", "カリフォルニア",
                   "カリフォルニア北部"]),
    "us-west-2": ("米国西部 (オレゴン)", "オレゴン", ["Oregon Region", "オレゴン州"]),
}

# Where the place in botocore's parentheses is not a place on its own ("Canada (Central)").
SHORT_EN_OVERRIDES = {
    "ca-central-1": "Canada Central",
    "mx-central-1": "Mexico Central",
}


def fail(message):
    sys.exit(f"generate-regions: {message}")


def load(path, version):
    """Returns (partitions.json as a dict, botocore version or None)."""
    path = Path(path)
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            data = json.loads(wheel.read("botocore/data/partitions.json"))
            if version is None:
                match = re.match(r"botocore-([^-]+)-", path.name)
                if match:
                    version = match.group(1)
                else:
                    for name in wheel.namelist():
                        if name.endswith(".dist-info/METADATA"):
                            meta = wheel.read(name).decode()
                            found = re.search(r"^Version: (\S+)$", meta, re.M)
                            version = found.group(1) if found else None
        return data, version
    return json.loads(path.read_text(encoding="utf-8")), version


def key(text):
    """How names are compared for clashes: case, width and spacing ignored."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", text).strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="botocore wheel (.whl) or partitions.json")
    parser.add_argument("--botocore-version", help="version to cite for a plain partitions.json")
    parser.add_argument("--output", default=str(OUT))
    args = parser.parse_args()

    data, version = load(args.source, args.botocore_version)
    partitions = [p for p in data["partitions"] if p["id"] == "aws"]
    if len(partitions) != 1:
        fail("partitions.json has no single `aws` partition")
    regions = {
        code: info["description"]
        for code, info in partitions[0]["regions"].items()
        if not code.endswith("-global")
    }

    missing = sorted(set(regions) - set(JAPANESE))
    if missing:
        fail(f"botocore lists regions the Japanese table lacks: {', '.join(missing)}; "
             "add them to JAPANESE in this script")
    extra = sorted(set(JAPANESE) - set(regions))
    if extra:
        fail(f"the Japanese table names regions botocore does not list: {', '.join(extra)}")

    rows = []
    owner = {}  # key(name) -> region code
    for code in sorted(regions):
        name_en = regions[code]
        match = re.fullmatch(r"(.+?) \((.+)\)", name_en)
        if not match:
            fail(f"{code}: no place in parentheses in {name_en!r}")
        short_en = SHORT_EN_OVERRIDES.get(code, match.group(2))
        name_ja, short_ja, aliases = JAPANESE[code]
        names = [code, name_en, short_en, name_ja, short_ja]
        own = {key(n) for n in names}
        for alias in aliases:
            if key(alias) in own:
                fail(f"{code}: alias {alias!r} repeats one of the region's own names")
        for text in names + aliases:
            if not text or "\t" in text or "|" in text or "\n" in text:
                fail(f"{code}: empty name or a tab, `|` or newline in {text!r}")
            k = key(text)
            if owner.get(k, code) != code:
                fail(f"{text!r} would name both {owner[k]} and {code}")
            owner[k] = code
        if len(set(key(a) for a in aliases)) != len(aliases):
            fail(f"{code}: an alias is listed twice")
        rows.append([code, name_en, short_en, name_ja, short_ja, "|".join(aliases)])

    lines = [
        "# AgentDesk AWS regions",
        f"# source: botocore {version or '(version unknown)'}, botocore/data/partitions.json, "
        "partition aws (commercial regions, *-global skipped)",
        "# url: https://github.com/boto/botocore/blob/develop/botocore/data/partitions.json",
        "# licence: Apache-2.0 (botocore, codes and English names); Japanese names, short names "
        "and aliases by AgentDesk",
        "# Generated by scripts/generate-regions.py, do not edit by hand; its header says how.",
        "code\tname_en\tshort_en\tname_ja\tshort_ja\taliases",
    ]
    lines += ["\t".join(row) for row in rows]
    Path(args.output).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} regions from botocore {version} written to {args.output}")
    for row in rows:
        print(f"  {row[0]:<15} {row[2]:<15} {row[4]}")


if __name__ == "__main__":
    main()
