#!/usr/bin/env python3
"""Writes the language model's answers for tccc's checked uses with llama.cpp
(llama-cpp-python), to measure the checks before tccc's own runtime decodes them.

usage: llm-prototype.py handover WORK_DIR [--model GGUF]
       llm-prototype.py reader WORK_DIR [--model GGUF]

handover: reads WORK_DIR/prompts.json ([{"id", "prompt"}], written by
  `TCCC_LLM_WORK=WORK_DIR cargo test --test llm_handover -- --ignored`), decodes each
  greedily (at most 200 tokens, one paragraph) and writes WORK_DIR/paragraphs.json
  ({id: paragraph}); run the test again to check them.
reader: reads WORK_DIR/reader_prompts.json ({"kinds", "prompts": [{"key", "utterance",
  "prompt"}]}, written by `cargo test --test llm_reader -- --ignored`), decodes each
  greedily under a GBNF grammar equal to tccc's ProposalGrammar (kinds from the list,
  every value a run of whole words of the lower-cased utterance, at most 3 proposals) and
  writes WORK_DIR/reader_answers.json ({key: answer}); run the test again to file them.
"""
import argparse
import json
import os
import sys

DEFAULT_MODEL = os.path.join(os.path.dirname(__file__), "..", "models", "smollm2-135m",
                             "SmolLM2-135M-Instruct.Q4_1.gguf")
SPAN_BYTES_MAX = 64
PROPOSALS_MAX = 3


def gbnf_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def spans(utterance):
    """Every run of whole words of the (lower-cased) utterance, as tccc's grammar allows."""
    u = utterance.lower().encode()
    def word(b):
        return chr(b).isalnum() if b < 0x80 else True
    starts = [i for i in range(len(u)) if word(u[i]) and (i == 0 or not word(u[i - 1]))]
    ends = [i + 1 for i in range(len(u)) if word(u[i]) and (i + 1 == len(u) or not word(u[i + 1]))]
    out = set()
    for s in starts:
        for e in ends:
            if s < e <= s + SPAN_BYTES_MAX:
                piece = u[s:e]
                if b'"' not in piece and b"\\" not in piece and not any(65 <= c <= 90 for c in piece):
                    out.add(piece.decode(errors="ignore"))
    return sorted(out)


def grammar_text(kinds, utterance):
    kind = " | ".join(gbnf_string(k) for k in kinds)
    span = " | ".join([gbnf_string("")] + [gbnf_string(s) for s in spans(utterance)])
    obj = ('"{\\"fact\\":\\"" kind "\\",\\"value\\":\\"" span "\\",\\"where\\":\\"" span '
           '"\\",\\"time\\":\\"" span "\\"}"')
    more = " ".join(['("," obj)?'] * (PROPOSALS_MAX - 1))
    return (f'root ::= "[" ( obj {more} )? "]"\n'
            f"obj ::= {obj}\n"
            f"kind ::= {kind}\n"
            f"span ::= {span}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("use", choices=["handover", "reader"])
    parser.add_argument("work")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    from llama_cpp import Llama, LlamaGrammar
    llm = Llama(model_path=args.model, n_ctx=2048, n_threads=args.threads, verbose=False,
                seed=0)
    if args.use == "handover":
        prompts = json.load(open(os.path.join(args.work, "prompts.json")))
        # tccc's Prose constraint (one paragraph, no markup) is approximated by stopping at
        # the first line break: llama-cpp-python's grammar sampling was ~100x slower here.
        out = {}
        for item in prompts:
            result = llm.create_completion(item["prompt"], max_tokens=200, temperature=0.0,
                                           top_k=1, stop=["<|im_end|>", "\n"])
            out[item["id"]] = result["choices"][0]["text"].strip()
            print(item["id"], "->", out[item["id"]], file=sys.stderr)
        json.dump(out, open(os.path.join(args.work, "paragraphs.json"), "w"), indent=1)
    else:
        data = json.load(open(os.path.join(args.work, "reader_prompts.json")))
        out = {}
        for item in data["prompts"]:
            grammar = LlamaGrammar.from_string(grammar_text(data["kinds"], item["utterance"]),
                                               verbose=False)
            result = llm.create_completion(item["prompt"], max_tokens=160, temperature=0.0,
                                           top_k=1, grammar=grammar)
            out[item["key"]] = result["choices"][0]["text"]
            print(item["key"], item["utterance"], "->", out[item["key"]], file=sys.stderr)
        json.dump(out, open(os.path.join(args.work, "reader_answers.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
