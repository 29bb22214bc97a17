#!/usr/bin/env python3
"""Scores `tccc.casualty-record/1` documents against the gold casualties of a scenario file.

usage: score_extraction.py SCENARIOS.json PREDICTIONS_DIR [-v] [--min-f1 X] [--lenient-null]
                           [--confirmed-only]

SCENARIOS.json is a list of {"id", "utterances", "gold": [casualty, ...]}; PREDICTIONS_DIR
holds <id>.json, the record `tccc process --json` wrote for that scenario.

Both sides are cut into atomic facts (a vital sign with its time, a treatment with its site
and time, a drug's dose with its unit, ...). A predicted fact counts only if a gold fact
equals it in every part, so scoring is strict: where the narrator said no time or site the
gold holds null, and a prediction that fills it in is an error (one false positive and one
miss). `--lenient-null` lets a null in the gold match any value, the older scoring, kept
only to compare with numbers measured that way.

Predicted items marked `"unconfirmed": true` (and casualty fields listed in
`"unconfirmed_fields"`) are counted and their share printed; `--confirmed-only` scores only
the facts not marked unconfirmed (the precision a medic can act on without confirming).

Prints per-scenario counts and the micro-averaged precision, recall and F1; the exit code
is 1 when F1 is below --min-f1.
"""
import argparse
import json
import sys


def _text(value):
    return "".join(str(value).split()).lower()


def casualty_facts(casualty, gold, marks=None):
    """The atomic facts of one casualty, as tuples (casualty id, kind, parts...). When
    `marks` is a list, it gets one bool per fact: was the fact's item or field unconfirmed."""
    cid = casualty.get("id")
    facts = []
    doubted_fields = set(casualty.get("unconfirmed_fields") or [])
    current = {"doubt": False}

    def add(*parts):
        facts.append((cid,) + parts)
        if marks is not None:
            marks.append(current["doubt"])

    def field(name):
        current["doubt"] = name in doubted_fields

    def item(entry):
        current["doubt"] = bool(entry.get("unconfirmed"))

    for key in ("sex", "evac_category"):
        field(key)
        if casualty.get(key) is not None:
            add(key, casualty[key])
    for key in ("name", "last4", "battle_roster"):
        field(key)
        if casualty.get(key):
            add(key, _text(casualty[key]))
    field("allergies")
    for allergy in casualty.get("allergies") or []:
        add("allergy", str(allergy).lower())
    field("mechanisms")
    for mechanism in casualty.get("mechanisms") or []:
        add("mechanism", mechanism)
    for injury in casualty.get("injuries") or []:
        item(injury)
        kind = injury.get("kind")
        # A gold "other" wound is any kind the narrator described in words of their own.
        add("injury", injury.get("region"), None if gold and kind == "other" else kind)
    for tourniquet in casualty.get("tourniquets") or []:
        item(tourniquet)
        add("tourniquet", tourniquet.get("limb"), tourniquet.get("kind"), tourniquet.get("time"))
    for vitals in casualty.get("vitals") or []:
        item(vitals)
        for sign in ("pulse", "bp_systolic", "bp_diastolic", "resp_rate", "spo2", "avpu", "pain"):
            if vitals.get(sign) is not None:
                add("vital", sign, vitals[sign], vitals.get("time"))
    for treatment in casualty.get("treatments") or []:
        item(treatment)
        add("treatment", treatment.get("kind"), treatment.get("site"), treatment.get("time"))
    for fluid in casualty.get("fluids") or []:
        item(fluid)
        name = fluid.get("name")
        add("fluid", name)
        for key, kind in (("volume_ml", "fluid_volume"), ("route", "fluid_route"), ("time", "fluid_time")):
            if fluid.get(key) is not None:
                add(kind, name, fluid[key])
    for drug in casualty.get("medications") or []:
        item(drug)
        name = str(drug.get("name", "")).lower()
        add("med", name)
        if drug.get("dose") is not None:
            add("med_dose", name, float(drug["dose"]), drug.get("unit"))
        for key, kind in (("route", "med_route"), ("time", "med_time")):
            if drug.get(key) is not None:
                add(kind, name, drug[key])
    return facts


def facts_of(casualties, gold, marks=None):
    return [
        fact for casualty in casualties or [] for fact in casualty_facts(casualty, gold, marks)
    ]


def same(gold_part, predicted_part, lenient_null):
    if gold_part is None and lenient_null:
        return True
    if isinstance(gold_part, float) or isinstance(predicted_part, float):
        try:
            return abs(float(gold_part) - float(predicted_part)) <= 1e-6
        except (TypeError, ValueError):
            return False
    return gold_part == predicted_part


def matches(gold_fact, predicted_fact, lenient_null):
    if len(gold_fact) != len(predicted_fact) or gold_fact[:2] != predicted_fact[:2]:
        return False
    # The "other" wound kind is the only gold wildcard in strict scoring.
    if gold_fact[1] == "injury" and gold_fact[3] is None:
        return same(gold_fact[2], predicted_fact[2], lenient_null)
    return all(
        same(g, p, lenient_null) for g, p in zip(gold_fact[2:], predicted_fact[2:])
    )


def score(gold_casualties, predicted_casualties, lenient_null, confirmed_only=False):
    gold = facts_of(gold_casualties, True)
    marks = []
    predicted = facts_of(predicted_casualties, False, marks)
    doubted = sum(marks)
    if confirmed_only:
        predicted = [fact for fact, doubt in zip(predicted, marks) if not doubt]
    taken = [False] * len(predicted)
    missed = []
    for gold_fact in gold:
        for index, predicted_fact in enumerate(predicted):
            if not taken[index] and matches(gold_fact, predicted_fact, lenient_null):
                taken[index] = True
                break
        else:
            missed.append(gold_fact)
    extra = [fact for index, fact in enumerate(predicted) if not taken[index]]
    return len(gold) - len(missed), len(gold), len(predicted), missed, extra, doubted


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios")
    parser.add_argument("predictions_dir")
    parser.add_argument("-v", action="store_true", help="list missed and extra facts")
    parser.add_argument("--min-f1", type=float, default=0.0)
    parser.add_argument("--lenient-null", action="store_true")
    parser.add_argument("--confirmed-only", action="store_true",
                        help="score only the facts not marked unconfirmed")
    args = parser.parse_args()
    with open(args.scenarios, encoding="utf-8") as handle:
        scenarios = json.load(handle)
    total_tp = total_gold = total_predicted = total_doubted = 0
    for scenario in scenarios:
        try:
            with open(f"{args.predictions_dir}/{scenario['id']}.json", encoding="utf-8") as handle:
                predicted = json.load(handle).get("casualties", [])
        except (OSError, ValueError) as error:
            print(f"{scenario['id']}: no readable prediction ({error})")
            predicted = []
        tp, gold, count, missed, extra, doubted = score(
            scenario["gold"], predicted, args.lenient_null, args.confirmed_only
        )
        total_doubted += doubted
        total_tp, total_gold, total_predicted = total_tp + tp, total_gold + gold, total_predicted + count
        f1 = 2 * tp / (gold + count) if gold + count else 1.0
        print(f"{scenario['id']}: tp={tp} gold={gold} pred={count} f1={f1:.3f}")
        if args.v:
            for fact in missed:
                print("   missed", fact)
            for fact in extra:
                print("   extra ", fact)
    precision = total_tp / total_predicted if total_predicted else 0.0
    recall = total_tp / total_gold if total_gold else 0.0
    f1 = 2 * total_tp / (total_gold + total_predicted) if total_gold + total_predicted else 0.0
    mode = "lenient (null gold matches any value)" if args.lenient_null else "strict"
    if args.confirmed_only:
        mode += ", confirmed facts only"
    print(f"micro precision={precision:.3f} recall={recall:.3f} f1={f1:.3f} ({mode})")
    print(f"unconfirmed predicted facts: {total_doubted}")
    sys.exit(0 if f1 >= args.min_f1 else 1)


if __name__ == "__main__":
    main()
