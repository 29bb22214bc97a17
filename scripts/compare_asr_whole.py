"""Whole recordings, one system at a time, then one table (run in the faster-whisper
environment of scripts/compare-asr, $TCCC_ASR_VENV):

    python compare_asr_whole.py fw MODEL_DIR BEAM VAD FILES_TSV OUT.json [CONTEXT]
    python compare_asr_whole.py tccc TCCC_BINARY CONFIG FILES_TSV OUT.json
    python compare_asr_whole.py score FILES_TSV OUT.json...

FILES_TSV lines: name, path of a 16 kHz 16-bit mono WAV, reference text.

`fw`: faster-whisper int8 `model.transcribe(path, beam_size=BEAM, language="en",
vad_filter=VAD)` (VAD: 0 or 1; its own 30 s windows and conditioning on the previous text,
as `transcribe()` does by default; CONTEXT 0 sets condition_on_previous_text=False),
`cpu_threads=2`, loaded and warmed up on the first file
before timing. `tccc`: `tccc process --input FILE --json` with the configuration CONFIG
(an empty string: the defaults); its CPU time includes loading the model once per file.
`score`: WER with Whisper's English normaliser on both sides, word errors summed over all
files, and CPU seconds per second of audio, one row per OUT.json. Each step is separate so a
slow one can run on its own under `nice`.
"""

import json
import resource
import subprocess
import sys
import tempfile
import time
import wave

THREADS = 2


def read_files(files_tsv):
    return [line.rstrip("\n").split("\t", 2) for line in open(files_tsv, encoding="utf-8")]


def cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def seconds_of(path):
    with wave.open(path, "rb") as handle:
        return handle.getnframes() / handle.getframerate()


def run_fw(model_dir, beam, vad, files_tsv, out, context="1"):
    from faster_whisper import WhisperModel

    files = read_files(files_tsv)
    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=THREADS)
    list(model.transcribe(files[0][1], beam_size=1, language="en")[0])  # warm-up
    hypotheses, cpu_s, wall_s = {}, 0.0, 0.0
    for name, path, _ in files:
        wall0, cpu0 = time.perf_counter(), cpu(resource.RUSAGE_SELF)
        segments, _ = model.transcribe(path, beam_size=int(beam), language="en",
                                       vad_filter=bool(int(vad)),
                                       condition_on_previous_text=bool(int(context)))
        hypotheses[name] = " ".join(segment.text.strip() for segment in segments)
        wall_s += time.perf_counter() - wall0
        cpu_s += cpu(resource.RUSAGE_SELF) - cpu0
    label = (f"faster-whisper int8 {model_dir.rstrip('/').split('/')[-1]} "
             f"{'greedy' if int(beam) == 1 else f'beam {beam}'}"
             f"{', vad_filter' if int(vad) else ''}"
             f"{'' if int(context) else ', no previous-text context'}")
    json.dump({"label": label, "hypotheses": hypotheses, "cpu_s": cpu_s, "wall_s": wall_s},
              open(out, "w"), indent=1)


def run_tccc(binary, config, files_tsv, out):
    files = read_files(files_tsv)
    hypotheses, cpu_s, wall_s = {}, 0.0, 0.0
    with tempfile.TemporaryDirectory() as work:
        for name, path, _ in files:
            json_out = f"{work}/{name}.json"
            command = [binary, "process", "--input", path, "--json", json_out]
            if config:
                command += ["--config", config]
            wall0, cpu0 = time.perf_counter(), cpu(resource.RUSAGE_CHILDREN)
            done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True)
            wall_s += time.perf_counter() - wall0
            cpu_s += cpu(resource.RUSAGE_CHILDREN) - cpu0
            if done.returncode != 0:
                sys.exit(f"tccc process failed on {path}: {done.stderr}")
            document = json.load(open(json_out, encoding="utf-8"))
            hypotheses[name] = " ".join(u["text"] for u in document["utterances"])
    label = f"tccc process ({config or 'defaults'}; CPU includes model load per file)"
    json.dump({"label": label, "hypotheses": hypotheses, "cpu_s": cpu_s, "wall_s": wall_s},
              open(out, "w"), indent=1)


def score(files_tsv, outs):
    import jiwer
    from whisper_normalizer.english import EnglishTextNormalizer

    normalise = EnglishTextNormalizer()
    files = read_files(files_tsv)
    references = [normalise(text) for _, _, text in files]
    words = sum(len(text.split()) for text in references)
    audio_s = sum(seconds_of(path) for _, path, _ in files)
    print(f"{len(files)} recordings, {audio_s:.0f} s of audio, {words} reference words\n")
    print("| system | WER % | CPU s per audio s | wall s per audio s |")
    print("|---|---|---|---|")
    for out in outs:
        result = json.load(open(out, encoding="utf-8"))
        hypotheses = [normalise(result["hypotheses"].get(name, "")) for name, _, _ in files]
        measures = jiwer.process_words(references, hypotheses)
        errors = measures.substitutions + measures.deletions + measures.insertions
        print(f"| {result['label']} | {100.0 * errors / words:.1f} | "
              f"{result['cpu_s'] / audio_s:.3f} | {result['wall_s'] / audio_s:.3f} |")


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "fw":
        run_fw(*args)
    elif mode == "tccc":
        run_tccc(*args)
    elif mode == "score":
        score(args[0], args[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
