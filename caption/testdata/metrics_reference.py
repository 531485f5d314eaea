#!/usr/bin/python3
"""Writes metrics_reference.json: BLEU-1..4 from NLTK's corpus_bleu (no
smoothing) and CIDEr-D from a transcription of the COCO caption evaluation's
CiderD scorer (pycocoevalcap, which is not installable here), for corpora
generated with a fixed seed. The Go tests compare caption.CorpusBLEU and
caption.CIDErD with these values; they never run Python.

Run once with Debian's interpreter:
    apt-get install -y python3-nltk
    /usr/bin/python3 metrics_reference.py > metrics_reference.json
"""
import json
import math
import random
import warnings
from collections import defaultdict

import nltk
from nltk.translate.bleu_score import corpus_bleu

warnings.filterwarnings("ignore")  # NLTK warns when an order has no match


def ngrams(words, n=4):
    c = defaultdict(int)
    for k in range(1, n + 1):
        for i in range(len(words) - k + 1):
            c[tuple(words[i:i + k])] += 1
    return c


def cider_d(cands, refs, n=4, sigma=6.0):
    crefs = [[ngrams(r) for r in rs] for rs in refs]
    ctest = [ngrams(c) for c in cands]
    df = defaultdict(float)
    for rs in crefs:
        for g in set(g for r in rs for g in r):
            df[g] += 1
    ref_len = math.log(float(len(crefs)))

    def vec(cnts):
        v = [defaultdict(float) for _ in range(n)]
        norm = [0.0] * n
        length = 0
        for g, tf in cnts.items():
            k = len(g) - 1
            v[k][g] = float(tf) * (ref_len - math.log(max(1.0, df[g])))
            norm[k] += v[k][g] ** 2
            if k == 1:
                length += tf
        return v, [math.sqrt(x) for x in norm], length

    def sim(vh, vr, nh, nr, lh, lr):
        delta = float(lh - lr)
        val = [0.0] * n
        for k in range(n):
            for g in vh[k]:
                val[k] += min(vh[k][g], vr[k][g]) * vr[k][g]
            if nh[k] != 0 and nr[k] != 0:
                val[k] /= nh[k] * nr[k]
            val[k] *= math.e ** (-(delta ** 2) / (2 * sigma ** 2))
        return val

    scores = []
    for t, rs in zip(ctest, crefs):
        vh, nh, lh = vec(t)
        s = [0.0] * n
        for r in rs:
            vr, nr, lr = vec(r)
            s = [a + b for a, b in zip(s, sim(vh, vr, nh, nr, lh, lr))]
        scores.append(sum(s) / n / len(rs) * 10.0)
    return sum(scores) / len(scores), scores


WORDS = "a the red blue green small large circle square star moves left right above of to in top".split()


def corpus(rng, size):
    cands, refs = [], []
    for _ in range(size):
        base = [rng.choice(WORDS) for _ in range(rng.randint(3, 10))]
        rs = []
        for _ in range(rng.randint(1, 5)):
            r = [w if rng.random() < 0.7 else rng.choice(WORDS) for w in base]
            if rng.random() < 0.3:
                r = r[: rng.randint(1, len(r))]
            rs.append(r)
        c = [w if rng.random() < 0.8 else rng.choice(WORDS) for w in base]
        if rng.random() < 0.2:
            c = c[: rng.randint(1, len(c))]
        cands.append(c)
        refs.append(rs)
    return cands, refs


def main():
    rng = random.Random(20261128)
    cases = []
    for size in (1, 3, 10, 50, 200):
        for _ in range(2):
            cands, refs = corpus(rng, size)
            bleu = [corpus_bleu(refs, cands, weights=tuple([1.0 / k] * k)) for k in (1, 2, 3, 4)]
            cider, each = cider_d(cands, refs)
            cases.append({"candidates": cands, "references": refs, "bleu": bleu, "cider": cider, "cider_each": each})
    print(json.dumps({"nltk": nltk.__version__, "cases": cases}))


main()
