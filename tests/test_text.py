"""Folding (show the original, match the folded), sentence spans, lexical tokens."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from itertools import groupby
from pathlib import Path

import pytest

from rag.zh.text import (
    char_bigrams,
    fold,
    fold_with_map,
    is_title_line,
    is_traditional,
    original_span,
    split_sentences,
    tokenize,
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


def _seed(prefix: str) -> str:
    return next(p for p in SEED_FILES if p.name.startswith(prefix)).read_text(encoding="utf-8")


def _line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


# --- fold ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "original, folded",
    [
        ("資源縣紀委監(jiān)委", "资源县纪委监委"),
        ("區(qū)", "区"),
        ("首頁(yè)", "首页"),
        ("一線視點(diǎn)丨河北區(qū)紀(jì)委監(jiān)委", "一线视点丨河北区纪委监委"),
        ("日?qǐng)?bào)告", "日告"),  # a lost character: its "?" and pinyin remains go
        ("再?gòu)?qiáng)調", "再调"),
        ("ＡＢＣ Ｔｅｓｔ １２３", "abc test 123"),  # NFKC + lower-case
    ],
)
def test_fold_examples(original, folded):
    assert fold(original) == folded


def test_fold_removes_pinyin_from_real_seed_lines():
    seed = _seed("001")
    line = _line_with(seed, "來源:")
    assert line.strip() == "來源:資源縣紀委監(jiān)委"
    assert fold(line) == "来源:资源县纪委监委"
    caption = _line_with(seed, "車田灣村")
    assert fold(caption).startswith("资源县纪委监委督查组在中峰镇车田湾村对疫情防控“值守”情况进行督查。")


def test_fold_repairs_misaligned_gbk_run_in_seed():
    seed = _seed("003")
    assert "?!北O(jiān)督落實" in seed  # the artefact is really there
    assert "增加。”监督落实有力度" in fold(_line_with(seed, "北O(jiān)"))
    assert "合力。”河北区纪委监委相关负责同志表示。" in fold(_line_with(seed, "焙颖眳"))
    assert "日督查、日告、日汇总、日例会" in fold(_line_with(seed, "日督查"))


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_fold_leaves_no_artefacts_and_is_idempotent(path):
    folded = fold(path.read_text(encoding="utf-8"))
    assert not PINYIN.search(folded)
    assert not re.search(r"\?\(?[a-z]", folded)
    assert fold(folded) == folded


def test_fold_keeps_ordinary_text():
    assert fold("四川新闻网遂宁3月22日讯(袁小春 杨雪)") == "四川新闻网遂宁3月22日讯(袁小春 杨雪)"
    assert fold("是否充足?醫(yī)護人員") == "是否充足?医护人员"  # a real "?" stays
    assert fold("人工智能(ai)应用") == "人工智能(ai)应用"  # no tone mark: not a conversion artefact
    assert fold("真的吗?!我不信") == "真的吗?!我不信"


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_fold_with_map_points_back_to_source_characters(path):
    text = path.read_text(encoding="utf-8")
    folded, mapping = fold_with_map(text)
    assert folded == fold(text)
    assert len(mapping) == len(folded)
    assert all(0 <= a <= b < len(text) for a, b in zip(mapping, mapping[1:], strict=False))
    # Outside repaired runs, the folded characters of each source character are its fold.
    bad = []
    for j, group in groupby(range(len(folded)), key=lambda i: mapping[i]):
        if fold(text[j]) != "".join(folded[i] for i in group):
            bad.append(text[j])
    if path.name.startswith("003"):
        assert bad == ["?", "!", "北", "?", "!", "焙", "颖", "眳"]  # the two repaired GBK runs
    else:
        assert bad == []


def test_fold_with_map_span_maps_back_to_original():
    line = _line_with(_seed("001"), "疫情防控監(jiān)督檢查組人員")
    folded, mapping = fold_with_map(line)
    i = folded.index("监督检查组人员")
    a, b = original_span(mapping, i, i + len("监督检查组人员"))
    assert line[a:b] == "監(jiān)督檢查組人員"

    line = _line_with(_seed("003"), "北O(jiān)")
    folded, mapping = fold_with_map(line)
    i = folded.index("监督落实有力度")
    a, b = original_span(mapping, i, i + len("监督落实有力度"))
    assert line[a:b].startswith("北O(jiān)督落實") and line[a:b].endswith("有力度")


def test_is_traditional():
    assert is_traditional(_seed("001")) and is_traditional(_seed("003"))
    assert not any(is_traditional(_seed(p)) for p in ("000", "002", "004"))
    assert is_traditional("資源縣委書記是誰")
    assert not is_traditional("资源县委书记是谁")
    assert not is_traditional("abc")


def test_fold_is_cheap():
    text = _seed("003")[:300]
    fold_with_map(text)  # warm up OpenCC
    n = 50
    t0 = time.perf_counter()
    for _ in range(n):
        fold_with_map(text)  # not cached, unlike fold()
    assert (time.perf_counter() - t0) / n < 0.005


# --- sentences -------------------------------------------------------------------------------


def _non_space(s: str) -> str:
    return "".join(s.split())


def test_split_sentences_keeps_closing_quotes_and_points_at_original():
    text = "他说:“好的。”然后走了!\n\n  “疫情不结束,我们不退出!”安居区……好吗?!是的\n  \n末尾;"
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "他说:“好的。”",
        "然后走了!",
        "“疫情不结束,我们不退出!”",
        "安居区……",
        "好吗?!",
        "是的",
        "末尾;",
    ]


def test_split_sentences_traditional_brackets_and_semicolons():
    text = "「請問咱們點位?」『是。』(備註。)甲；乙;丙"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "「請問咱們點位?」",
        "『是。』",
        "(備註。)",
        "甲；",
        "乙;",
        "丙",
    ]


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_split_sentences_cover_seed_text(path):
    text = path.read_text(encoding="utf-8")
    spans = split_sentences(text)
    assert all(a < b for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))
    for a, b in spans:
        s = text[a:b]
        assert s == s.strip() and "\n" not in s
    assert "".join(_non_space(text[a:b]) for a, b in spans) == _non_space(text)


def test_split_sentences_empty():
    assert split_sentences("") == []
    assert split_sentences(" \n\n \u3000\n") == []


# --- tokens ----------------------------------------------------------------------------------


def test_tokenize_drops_stopwords_and_punctuation_keeps_numbers():
    tokens = tokenize("资源县委书记是谁?共派出督查组10余个。")
    assert "是" not in tokens and "谁" not in tokens and "?" not in tokens and "。" not in tokens
    assert "10" in tokens and "书记" in tokens and "督查" in tokens


def test_tokenize_traditional_matches_simplified():
    assert tokenize("資源縣強化監(jiān)督檢查") == tokenize("资源县强化监督检查")


def test_tokenize_search_mode_emits_parts_of_long_words():
    tokens = tokenize("全省各级纪检监察机关")
    assert {"纪检", "监察", "纪检监察"} <= set(tokens)


def test_jieba_is_quiet():
    code = "from rag.zh.text import tokenize; print(tokenize('疫情防控'))"
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert res.stderr == ""
    assert "疫情" in res.stdout


def test_char_bigrams():
    assert char_bigrams("監(jiān)督檢查 ABC-12 的x") == ["监督", "督检", "检查", "abc", "12", "的", "x"]
    assert char_bigrams("疫情,防控") == ["疫情", "防控"]
    assert char_bigrams("") == []


def test_one_jieba_tokenizer_per_process():
    code = (
        "import jieba\n"
        "made = []\n"
        "init = jieba.Tokenizer.__init__\n"
        "def counting(self, *a, **k):\n"
        "    made.append(1)\n"
        "    init(self, *a, **k)\n"
        "jieba.Tokenizer.__init__ = counting\n"
        "from rag.zh.text import tokenize\n"
        "from rag.query.rewrite import entities\n"
        "from rag.zh.words import posseg, tokenizer\n"
        "tokenize('疫情防控'); entities('资源县纪委书记黄钦表示')\n"
        "assert posseg().tokenizer is tokenizer()\n"
        "print(len(made))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "1"


def test_user_words_reach_the_tokenizer(tmp_path):
    from rag.zh.lexicon import use_lexicon
    from rag.zh.words import posseg

    extra = tmp_path / "words.toml"
    extra.write_text('[jieba]\nuser_words = ["防控督查组 100 nt"]\n', encoding="utf-8")
    assert "防控督查组" not in tokenize("成立防控督查组")
    try:
        use_lexicon([extra])
        assert "防控督查组" in tokenize("成立防控督查组")
        assert ("防控督查组", "nt") in [(p.word, p.flag) for p in posseg().cut("成立防控督查组")]
    finally:
        use_lexicon([])
    assert "防控督查组" not in tokenize("成立防控督查组")


def test_a_title_line_is_the_title_folded_and_nothing_else():
    assert is_title_line(" 關於舉辦運動會的通知 ", "关于举办运动会的通知")
    assert not is_title_line("关于举办运动会的通知如下：", "关于举办运动会的通知")
    assert not is_title_line("", "")
