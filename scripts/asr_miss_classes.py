#!/usr/bin/env python3
"""Which kind of mishearing costs the recall through speech.

usage: $TCCC_ASR_VENV/bin/python scripts/asr_miss_classes.py HYPOTHESES.tsv \
           [SCENARIOS.json RUN_DIR CONDITION ...]
A: per-clip transcripts (scripts/compare-asr-utterances' hypotheses.tsv: clip, reference,
   faster-whisper, tccc) -> for each word class, reference words the transcript lacks
   (Whisper's English normaliser on both sides; adjacent digit groups joined).
B: facts eval-extract-fresh's typed run (RUN_DIR/out-typed) found that the speech run
   (RUN_DIR/out-CONDITION, e.g. kal_diphone-clean) missed, by cause: filed under another
   casualty, the medication lost (every part of it), a vital sign, a treatment, other.
Needs whisper-normalizer (the venv of scripts/compare-asr). HYPOTHESES.tsv may be /dev/null.
"""
import collections, importlib.util, json, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__)))
from whisper_normalizer.english import EnglishTextNormalizer

DRUGS = {"txa", "tranexamic", "fentanyl", "ketamine", "ertapenem", "morphine", "calcium",
         "gluconate", "chloride", "acetaminophen", "paracetamol", "tylenol", "ondansetron",
         "zofran", "moxifloxacin", "naloxone", "narcan", "epinephrine", "cefazolin", "meloxicam"}
TERMS = {"tourniquet", "casualty", "iv", "io", "chest", "seal", "needle", "decompression",
         "splint", "junctional", "hemostatic", "gauze", "pressure", "dressing", "airway",
         "nasopharyngeal", "cric", "oxygen", "plasma", "blood", "saline", "pulse", "resp",
         "respiratory", "spo2", "sat", "sats", "pain", "alert", "allergic", "allergy"}
normalise = EnglishTextNormalizer()

def words(text):
    out = []
    for w in normalise(text).split():
        if out and w.isdigit() and out[-1].isdigit():
            out[-1] += w
        else:
            out.append(w)
    return out

def klass(w):
    if any(c.isdigit() for c in w):
        return "numbers and times"
    if w in DRUGS:
        return "drug names"
    if w == "casualty":
        return "casualty"
    if w in TERMS:
        return "other clinical terms"
    return "other words"

def part_a(path):
    rows = [l.rstrip("\n").split("\t") for l in open(path)]
    for column, name in [(2, "faster-whisper"), (3, "tccc")]:
        total, lost, examples = collections.Counter(), collections.Counter(), collections.defaultdict(list)
        for row in rows:
            ref, hyp = words(row[1]), collections.Counter(words(row[column]))
            for w in ref:
                k = klass(w)
                total[k] += 1
                if hyp[w] > 0:
                    hyp[w] -= 1
                else:
                    lost[k] += 1
                    if len(examples[k]) < 6:
                        examples[k].append(f"{w}: {row[column][:60]!r}")
        print(f"A {name}: reference words lost per class ({len(rows)} clips)")
        for k in sorted(total, key=lambda k: -lost[k]):
            print(f"  {k}: {lost[k]} of {total[k]} ({100 * lost[k] / total[k]:.0f} %)")
        for k in ["numbers and times", "drug names", "casualty"]:
            for e in examples[k][:4]:
                print(f"    {k} e.g. {e}")

def part_b(scenarios, run_dir, condition):
    spec = importlib.util.spec_from_file_location("score", os.path.join(os.path.dirname(os.path.abspath(__file__)), "score_extraction.py"))
    score = spec.loader.exec_module(m := importlib.util.module_from_spec(spec)) or m
    lost = collections.Counter()
    examples = collections.defaultdict(list)
    for s in json.load(open(scenarios)):
        gold = score.facts_of(s["gold"], True)
        def found(folder):
            path = os.path.join(run_dir, folder, s["id"] + ".json")
            if not os.path.exists(path):
                return []
            pred = score.facts_of(json.load(open(path)).get("casualties", []), False)
            return [g for g in gold if any(score.matches(g, p, False) for p in pred)]
        typed, heard = found("out-typed"), found(f"out-{condition}")
        path = os.path.join(run_dir, f"out-{condition}", s["id"] + ".json")
        pred = score.facts_of(json.load(open(path)).get("casualties", []), False) if os.path.exists(path) else []
        missed_meds = {(g[0], g[2]) for g in typed if g[1] == "med" and g not in heard}
        for g in typed:
            if g in heard:
                continue
            kind = g[1]
            if any(p[0] != g[0] and score.matches((p[0],) + tuple(g[1:]), p, False) for p in pred):
                group = "filed under the wrong casualty (casualty number misheard)"
            elif kind.startswith("med") and (g[0], g[2]) in missed_meds:
                group = "medication lost (drug name misheard): all its facts"
            elif kind == "vital":
                group = "vital sign value or its time"
            elif kind in ("med_dose", "fluid_volume"):
                group = "dose / volume (number)"
            elif kind.endswith("_time"):
                group = "time of a drug or fluid"
            elif kind in ("tourniquet", "treatment"):
                group = "treatment or tourniquet (term, site or time)"
            else:
                group = "other (" + kind + ")"
            lost[group] += 1
    print(f"B {run_dir} {condition}: facts typed found and speech missed: {sum(lost.values())}")
    for k, n in lost.most_common():
        print(f"  {k}: {n}")

if __name__ == "__main__":
    part_a(sys.argv[1])
    args = sys.argv[2:]
    while len(args) >= 3:
        part_b(*args[:3])
        args = args[3:]
