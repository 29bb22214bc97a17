"""Scores `tccc bench asr` outputs against references (scripts/bench-asr-set).

Usage: bench_asr_set.py SUMMARY.json BENCH_OUTPUT REFERENCE [BENCH_OUTPUT REFERENCE ...]

Reads each per-utterance line of the bench output ("[start–end] N ms after the speech ended:
hangover H, then A (queue Q, mel M, encoder E, decoder D[, ahead]); extractor X: TEXT"),
pools the utterances of all files for p50/p95, joins each file's texts for its WER against
the reference (one utterance a line), and prints a summary (also written as JSON).
"""

import json
import re
import sys

import jiwer
from whisper_normalizer.english import EnglishTextNormalizer

LINE = re.compile(
    r"^\[\s*(?P<start>[\d.]+)–\s*(?P<end>[\d.]+)\]\s+(?P<latency>\d+) ms after the speech "
    r"ended: hangover\s+(?P<hangover>-?\d+), then\s+(?P<after>\d+) \(queue\s+(?P<queue>\d+), "
    r"mel\s+(?P<mel>\d+), encoder\s+(?P<encoder>\d+), decoder\s+(?P<decoder>\d+)"
    r"(?P<ahead>, ahead)?\); extractor [\d.]+: (?P<text>.*)$"
)
COLUMNS = ["latency", "hangover", "after", "queue", "mel", "encoder", "decoder"]


def percentile(values, quantile):
    """Nearest-rank on the sorted values, as `tccc bench asr` computes it."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[round((len(ordered) - 1) * quantile)]


def main():
    summary_path, pairs = sys.argv[1], sys.argv[2:]
    normalise = EnglishTextNormalizer()
    columns = {name: [] for name in COLUMNS}
    ahead = 0
    references, hypotheses = [], []
    segments = lines = 0
    per_file = []
    for bench, reference in zip(pairs[::2], pairs[1::2]):
        texts = []
        with open(bench, encoding="utf-8") as handle:
            for row in handle:
                match = LINE.match(row.rstrip("\n"))
                if not match:
                    continue
                for name in COLUMNS:
                    columns[name].append(int(match[name]))
                ahead += bool(match["ahead"])
                texts.append(match["text"])
        with open(reference, encoding="utf-8") as handle:
            expected = [line.strip() for line in handle if line.strip()]
        segments += len(texts)
        lines += len(expected)
        references.append(normalise(" ".join(expected)))
        hypotheses.append(normalise(" ".join(texts)))
        per_file.append({"file": bench, "segments": len(texts), "utterances": len(expected)})
    measures = jiwer.process_words(references, hypotheses)
    words = sum(len(text.split()) for text in references)
    errors = measures.substitutions + measures.deletions + measures.insertions
    result = {
        "files": len(per_file),
        "utterances": lines,
        "segments": segments,
        "files_with_other_segment_count": sum(
            1 for item in per_file if item["segments"] != item["utterances"]
        ),
        "ready_at_endpoint": ahead,
        "wer_percent": round(100.0 * errors / max(words, 1), 2),
        "words": words,
    }
    for name in COLUMNS:
        result[f"{name}_ms_p50"] = percentile(columns[name], 0.5)
        result[f"{name}_ms_p95"] = percentile(columns[name], 0.95)
    result["per_file"] = per_file
    with open(summary_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1)
    print(
        f"{result['files']} files, {segments} segments for {lines} utterances "
        f"({result['files_with_other_segment_count']} files differ), "
        f"{ahead} ready at the endpoint; WER {result['wer_percent']} % of {words} words"
    )
    for name in COLUMNS:
        print(f"  {name:>8}: p50 {result[name + '_ms_p50']:>5} ms, p95 {result[name + '_ms_p95']:>5} ms")


if __name__ == "__main__":
    main()
