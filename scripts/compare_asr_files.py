"""The whole-file and VAD-segmented halves of scripts/compare-asr (run by it, in the
faster-whisper environment):

    python compare_asr_files.py MODEL_DIR TCCC_BINARY FILES_TSV WORK_DIR

FILES_TSV lines: name, path of a 16 kHz 16-bit mono WAV, reference text.

Whole files: faster-whisper `model.transcribe(path)` on each recording (its own 30 s
windows, otherwise default options; vad_filter False and True) against
`tccc process --input FILE.wav` (tccc's VAD -> Whisper -> extractor pipeline, greedy and
beam 5 through a config file). CPU time is getrusage: RUSAGE_SELF around each
transcribe() call (all of CTranslate2's threads are in this process), RUSAGE_CHILDREN
around each tccc process. Model load is left out on both sides the same way: faster-whisper
loads once and is warmed up on one file before timing; every `tccc process` run loads the
model and warms it up itself, so the CPU and wall time of the same command on 1 s of
silence (no speech: load + warm-up only, mean of two runs) is subtracted from each file.
Load + warm-up is printed in its own column.

VAD segments: each recording is cut at the segments `tccc segments --input F --json`
reports (the cuts `tccc process` transcribes), and every segment is given to
faster-whisper (numpy array; without_timestamps, condition_on_previous_text=False,
vad_filter=False, to match tccc; one row with default options) and to
`tccc transcribe --tsv` (greedy and beam 5; its CPU column is per segment, after its own
warm-up). WER is on each file's segment texts joined in order.

WER: Whisper's English normaliser on both sides, word errors summed over all files.
"""

import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import wave

import jiwer
import numpy as np
from faster_whisper import WhisperModel
from whisper_normalizer.english import EnglishTextNormalizer

THREADS = 2
normalise = EnglishTextNormalizer()


def cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def read_wav(path):
    with wave.open(path, "rb") as handle:
        assert handle.getframerate() == 16000 and handle.getnchannels() == 1, path
        assert handle.getsampwidth() == 2, path
        return handle.readframes(handle.getnframes())


def write_wav(path, frames):
    with wave.open(path, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16000)
        handle.writeframes(frames)


def to_float(frames):
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0


def wer(references, hypotheses):
    refs = [normalise(text) for text in references]
    hyps = [normalise(text) for text in hypotheses]
    return jiwer.wer(refs, hyps) * 100


def main():
    model_dir, tccc, files_tsv, work = sys.argv[1:5]
    model_dir = os.path.abspath(model_dir)
    files = [line.rstrip("\n").split("\t", 2) for line in open(files_tsv)]
    names = [name for name, _, _ in files]
    references = [text for _, _, text in files]
    audio = {name: read_wav(path) for name, path, _ in files}
    seconds = {name: len(frames) / 2 / 16000 for name, frames in audio.items()}
    load_start = os.getloadavg()
    started_at = datetime.datetime.now(datetime.timezone.utc)

    # tccc configurations for `process`: the model folder given, greedy or beam 5.
    configs = {}
    for beam in (1, 5):
        path = f"{work}/tccc-beam{beam}.toml"
        with open(path, "w") as out:
            out.write(f'[models]\ndir = "{os.path.dirname(model_dir)}"\n\n'
                      f'[asr]\nmodel = "{os.path.basename(model_dir)}"\n'
                      f"threads = {THREADS}\nbeam_width = {beam}\n")
        configs[beam] = path
    silence = f"{work}/silence-1s.wav"
    write_wav(silence, b"\0\0" * 16000)

    def tccc_process(wav, beam, json_out):
        wall0, cpu0 = time.perf_counter(), cpu(resource.RUSAGE_CHILDREN)
        done = subprocess.run([tccc, "process", "--input", wav, "--json", json_out,
                               "--config", configs[beam]],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall, used = time.perf_counter() - wall0, cpu(resource.RUSAGE_CHILDREN) - cpu0
        if done.returncode != 0:
            sys.exit(f"tccc process failed on {wav}: {done.stderr}")
        return wall, used, done.stderr

    # ---- VAD segments (tccc's), cut once, used by both systems ----
    segments = {}  # name -> list of segment wav paths
    os.makedirs(f"{work}/segments", exist_ok=True)
    for name, path, _ in files:
        listed = subprocess.run([tccc, "segments", "--input", path, "--json"],
                                check=True, capture_output=True, text=True).stdout
        segments[name] = []
        for i, line in enumerate(l for l in listed.splitlines() if l.strip()):
            segment = json.loads(line)
            first = int(round(segment["start_s"] * 16000))
            last = int(round(segment["end_s"] * 16000))
            out = f"{work}/segments/{name}-{i:02d}.wav"
            write_wav(out, audio[name][2 * first:2 * last])
            segments[name].append(out)
    all_segments = [s for name in names for s in segments[name]]
    segment_audio = {s: to_float(read_wav(s)) for s in all_segments}
    segment_seconds = [len(a) / 16000 for a in segment_audio.values()]

    whole_rows, segment_rows, per_file, per_file_segmented = [], [], {}, {}

    # ---- tccc ----
    for beam in (1, 5):
        label = "tccc greedy" if beam == 1 else "tccc beam 5"
        loads = [tccc_process(silence, beam, f"{work}/silence.json") for _ in range(2)]
        load_wall = statistics.mean(l[0] for l in loads)
        load_cpu = statistics.mean(l[1] for l in loads)
        hyps, walls, cpus, rejected = [], [], [], 0
        for name, path, _ in files:
            out = f"{work}/{name}-process-beam{beam}.json"
            wall, used, log = tccc_process(path, beam, out)
            walls.append(wall - load_wall)
            cpus.append(used - load_cpu)
            document = json.load(open(out))
            hyps.append(" ".join(u["text"] for u in document["utterances"]))
            summary = [l for l in log.splitlines() if "segment(s)" in l]
            if summary:  # "tccc: N segment(s), M transcribed, K rejected ..."
                rejected += int(summary[-1].split(", ")[2].split()[0])
        whole_rows.append((f"{label} (`process`: VAD → Whisper)", wer(references, hyps),
                           sum(cpus), sum(walls), load_cpu, rejected))
        per_file[label] = hyps

        tsv = subprocess.run(
            [tccc, "transcribe", "--model", model_dir, "--threads", str(THREADS),
             "--beam", str(beam), "--tsv"] + [a for s in all_segments for a in ("--input", s)],
            check=True, capture_output=True, text=True).stdout
        texts, walls, cpus, rejected = {}, [], [], 0
        for line in tsv.splitlines():
            path, wall_ms, cpu_ms, verdict, text = line.split("\t", 4)
            texts[path] = text
            walls.append(float(wall_ms))
            cpus.append(float(cpu_ms))
            rejected += not text
        hyps = [" ".join(texts[s] for s in segments[name] if texts[s]) for name in names]
        per_file_segmented[label] = hyps
        segment_rows.append((f"{label} (`transcribe`)", wer(references, hyps),
                             statistics.mean(cpus), statistics.mean(walls), rejected))

    # ---- faster-whisper ----
    for compute_type in ("int8", "float32"):
        cpu0 = cpu(resource.RUSAGE_SELF)
        model = WhisperModel(model_dir, device="cpu", compute_type=compute_type,
                             cpu_threads=THREADS)
        load_cpu = cpu(resource.RUSAGE_SELF) - cpu0
        first = files[0][1]
        list(model.transcribe(first, beam_size=1, language="en")[0])  # warm-up, not timed

        whole = [(1, False), (5, False)] + ([(1, True), (5, True)] if compute_type == "int8" else [])
        for beam, vad in whole:
            hyps, walls, cpus = [], [], []
            for name, path, _ in files:
                wall0, cpu0 = time.perf_counter(), cpu(resource.RUSAGE_SELF)
                result, _ = model.transcribe(path, beam_size=beam, language="en", vad_filter=vad)
                hyps.append(" ".join(segment.text.strip() for segment in result))
                walls.append(time.perf_counter() - wall0)
                cpus.append(cpu(resource.RUSAGE_SELF) - cpu0)
            label = (f"faster-whisper {compute_type} {'greedy' if beam == 1 else 'beam 5'}"
                     f"{', vad_filter' if vad else ''}")
            whole_rows.append((label, wer(references, hyps), sum(cpus), sum(walls), load_cpu, None))
            per_file[label] = hyps

        matched = dict(without_timestamps=True, condition_on_previous_text=False,
                       vad_filter=False, language="en")
        runs = [(1, matched, ""), (5, matched, "")]
        if compute_type == "int8":
            runs.append((1, dict(language="en"), ", default options"))
        for beam, options, note in runs:
            texts, walls, cpus = {}, [], []
            for s in all_segments:
                wall0, cpu0 = time.perf_counter(), cpu(resource.RUSAGE_SELF)
                result, _ = model.transcribe(segment_audio[s], beam_size=beam, **options)
                texts[s] = " ".join(segment.text.strip() for segment in result)
                walls.append((time.perf_counter() - wall0) * 1e3)
                cpus.append((cpu(resource.RUSAGE_SELF) - cpu0) * 1e3)
            hyps = [" ".join(texts[s] for s in segments[name] if texts[s]) for name in names]
            label = f"faster-whisper {compute_type} {'greedy' if beam == 1 else 'beam 5'}{note}"
            per_file_segmented[label] = hyps
            segment_rows.append((label, wer(references, hyps), statistics.mean(cpus),
                                 statistics.mean(walls), sum(1 for t in texts.values() if not t)))
        del model

    # ---- report ----
    load_end = os.getloadavg()
    total = sum(seconds.values())
    words = sum(len(normalise(text).split()) for text in references)
    print(f"{started_at:%Y-%m-%d %H:%M} UTC, model {model_dir}, {THREADS} threads each; "
          f"load average {load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end\n")
    print(f"Whole files: {len(files)} recordings, {total:.0f} s of audio "
          f"({min(seconds.values()):.0f}–{max(seconds.values()):.0f} s each), {words} reference words. "
          "Time excludes model load (and warm-up); CPU = all threads.\n")
    by_name = {row[0]: row for row in whole_rows}
    base = by_name["faster-whisper int8 greedy"]
    print("| system | WER % | CPU s (all files) | CPU ÷ fw int8 greedy | CPU s per audio s "
          "| wall s | wall ÷ fw int8 greedy | model load CPU s (tccc: + warm-up) | segments rejected |")
    print("|---|---|---|---|---|---|---|---|---|")
    order = [r for r in whole_rows if r[0].startswith("faster")] + \
            [r for r in whole_rows if r[0].startswith("tccc")]
    for name, w, c, wall, load, rejected in order:
        print(f"| {name} | {w:.1f} | {c:.1f} | {c / base[2]:.2f} | {c / total:.3f} | {wall:.1f} "
              f"| {wall / base[3]:.2f} | {load:.2f} | {'' if rejected is None else rejected} |")

    print(f"\nVAD segments: {len(all_segments)} utterances cut at `tccc segments` "
          f"({min(segment_seconds):.1f}–{max(segment_seconds):.1f} s, "
          f"mean {statistics.mean(segment_seconds):.1f} s), each transcribed on its own.\n")
    by_name = {row[0]: row for row in segment_rows}
    base = by_name["faster-whisper int8 greedy"]
    print("| system | WER % | CPU ms/utterance | CPU ÷ fw int8 greedy | wall ms/utterance "
          "| wall ÷ fw int8 greedy | empty |")
    print("|---|---|---|---|---|---|---|")
    order = [r for r in segment_rows if r[0].startswith("faster")] + \
            [r for r in segment_rows if r[0].startswith("tccc")]
    for name, w, c, wall, empty in order:
        print(f"| {name} | {w:.1f} | {c:.0f} | {c / base[2]:.2f} | {wall:.0f} "
              f"| {wall / base[3]:.2f} | {empty} |")

    print("\nWhole files, WER % per file:\n")
    columns = ["faster-whisper int8 greedy", "faster-whisper int8 greedy, vad_filter",
               "tccc greedy", "tccc beam 5"]
    print("| file | s | segments | " + " | ".join(columns) + " |")
    print("|---|---|---|" + "---|" * len(columns))
    for i, name in enumerate(names):
        cells = [f"{wer([references[i]], [per_file[c][i]]):.1f}" for c in columns]
        print(f"| {name} | {seconds[name]:.0f} | {len(segments[name])} | " + " | ".join(cells) + " |")
    with open(f"{work}/hypotheses.json", "w") as out:
        json.dump({"names": names, "references": references, "whole": per_file,
                   "segmented": per_file_segmented}, out, indent=1)


if __name__ == "__main__":
    main()
