"""The word tables (src/viva/content/synonyms.yaml, answer files' ``synonyms:``), compiled."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

from viva.bank.answers import SAFE_LOADER, ModelAnswer, load_answers
from viva.practice.matcher.words import (
    NEGATING_STOP_KEYS,
    STOP_WORDS,
    VAGUE_KEYS,
    VAGUE_WORDS,
    Part,
    Stream,
    Token,
    key_of,
    tokenize,
)

TYPO_MIN_LENGTH = 5  # keys this long match a typed word one letter away ("databse")

TABLES_FILE = Path(__file__).resolve().parents[2] / "content" / "synonyms.yaml"
_WORD = re.compile(r"[A-Za-z]{5,}")


@dataclass(frozen=True, slots=True)
class Tables:
    """The shipped word tables: synonym groups and opposites."""

    groups: tuple[tuple[str, ...], ...]
    opposites: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where}: expected a non-empty list of words")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: every entry must be a non-empty string (quote numbers)")
    return tuple(value)


def parse_tables(data: object, *, where: str = "synonyms.yaml") -> Tables:
    """Validate loaded YAML; a malformed entry raises ValueError naming it."""
    if not isinstance(data, dict) or set(data) - {"groups", "opposites"}:
        raise ValueError(f"{where}: expected a mapping with 'groups' and 'opposites'")
    groups, opposites = data.get("groups") or [], data.get("opposites") or []
    if not isinstance(groups, list) or not isinstance(opposites, list):
        raise ValueError(f"{where}: 'groups' and 'opposites' must be lists")
    parsed_groups = tuple(_strings(g, f"{where}: group {i + 1}") for i, g in enumerate(groups))
    pairs = []
    for i, pair in enumerate(opposites):
        at = f"{where}: opposite pair {i + 1}"
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError(f"{at}: expected two lists of words")
        pairs.append((_strings(pair[0], at), _strings(pair[1], at)))
    return Tables(parsed_groups, tuple(pairs))


@lru_cache(maxsize=1)
def tables() -> Tables:
    """The tables shipped in src/viva/content/synonyms.yaml, read once."""
    text = TABLES_FILE.read_text(encoding="utf-8")
    return parse_tables(yaml.load(text, Loader=SAFE_LOADER), where=TABLES_FILE.name)


@lru_cache(maxsize=1)
def shipped_answers() -> Mapping[int, ModelAnswer]:
    """The shipped answer files, parsed once for all the tables built from them."""
    return MappingProxyType(load_answers())


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Every word of the shipped model answers: words the typo check takes as spelt right."""
    words: set[str] = set()
    for answer in shipped_answers().values():
        for text in (answer.summary, answer.explanation, *answer.key_points, *answer.pitfalls):
            words.update(w.casefold() for w in _WORD.findall(text))
    return frozenset(words)


def _content(text: str) -> tuple[str, ...]:
    return tuple(p.key for t in tokenize(text) for p in t.parts if not p.stop)


def _vague(text: str) -> bool:
    """Whether a text has no word that says much ("each request", "at once")."""
    return all(k in VAGUE_KEYS for k in _content(text))


def _words_alone(text: str) -> frozenset[str]:
    """The keys of the words a text says on their own (not the parts of "field_validator")."""
    return frozenset(
        t.parts[0].key for t in tokenize(text) if len(t.parts) == 1 and not t.parts[0].stop
    )


def _in_text(phrase: str, text: str, *, whole: bool = False) -> bool:
    """Whether ``phrase`` occurs in ``text`` as the checker reads both (``whole``: as whole
    words, not as the parts of "field_validator")."""
    tokens = tokenize(text)
    parts = [p for t in tokens for p in t.parts]
    stream = Stream.of(parts)
    starts = [i == 0 or parts[i - 1].token != p.token for i, p in enumerate(parts)]
    for variant in _entry_variants(phrase):
        if len(variant) == 1 and any(t.joined == variant[0] for t in tokens):
            return True
        for i in range(len(parts)):
            end = phrase_end(stream, i, variant)
            if end > 0 and (not whole or (starts[i] and (end == len(parts) or starts[end]))):
                return True
    return False


def synonym_problems(key_points: Sequence[str], synonyms: Mapping[str, Sequence[str]]) -> list[str]:
    """What is wrong with a question's `synonyms:`: a term that no key point says (it would
    never be used); a term of vague words only ("every request": it would weigh as a technical
    phrase); a paraphrase of one vague word; a paraphrase that is a word its point says on its
    own, or a phrase of its point ("jitter" for "random jitter": the words are found anyway,
    and would count twice)."""
    problems = []
    for term, alternatives in synonyms.items():
        points = [p for p in key_points if _in_text(term, p)]
        if not points:
            problems.append(f"'{term}' is in no key point")
            continue
        if _vague(term):
            problems.append(f"'{term}' has only vague words")
            continue
        own = {k for p in points for k in _words_alone(p)}
        for alternative in alternatives:
            content = _content(alternative)
            if not content or (len(content) == 1 and _vague(alternative)):
                problems.append(f"'{term}': '{alternative}' has only vague words")
            elif (len(content) == 1 and content[0] in own) or any(
                _in_text(alternative, p, whole=True) for p in points
            ):
                problems.append(f"'{term}': '{alternative}' only repeats its point's words")
    return problems


AnswerMaps = Mapping[tuple[str, ...], Mapping[str, tuple[str, ...]]]


def load_answer_maps(
    field: str,
    problems_of: Callable[[Sequence[str], Mapping[str, Sequence[str]]], list[str]],
    directory: Path | None = None,
) -> AnswerMaps:
    """One front-matter map (`synonyms:`, `wrong_claims:`) of each answer file that has it,
    keyed by its key points. The files of `directory` are checked on load by `problems_of`
    (ValueError naming the answer and the entry); the shipped ones (no `directory`) are
    checked by the test suite instead (tests/practice/test_matcher_synonyms.py and
    test_matcher_wrong_claims.py), which spares every process seconds of CPU at its first
    answer check."""
    shipped = {}
    loaded = shipped_answers() if directory is None else load_answers(directory)
    for number, answer in sorted(loaded.items()):
        entries: Mapping[str, Sequence[str]] = getattr(answer, field)
        if not entries:
            continue
        problems = [] if directory is None else problems_of(answer.key_points, entries)
        if problems:
            raise ValueError(f"{number:03d}.md: {field}: " + "; ".join(problems))
        shipped[tuple(answer.key_points)] = {t: tuple(a) for t, a in entries.items()}
    return shipped


def load_synonyms(directory: Path | None = None) -> AnswerMaps:
    """Each answer file's `synonyms:` front matter, keyed by its key points; checked on load
    (ValueError naming the answer and the entry)."""
    return load_answer_maps("synonyms", synonym_problems, directory)


@lru_cache(maxsize=1)
def _shipped() -> Mapping[tuple[str, ...], Mapping[str, tuple[str, ...]]]:
    return load_synonyms()


@lru_cache(maxsize=256)
def paraphrase_keys(groups: tuple[tuple[str, ...], ...]) -> frozenset[tuple[str, ...]]:
    """The content words of each paraphrase of a question's synonym groups (each group its
    term, then its paraphrases)."""
    return frozenset(_content(a) for group in groups for a in group[1:])


def answer_synonyms(key_points: Sequence[str]) -> Mapping[str, Sequence[str]]:
    """The `synonyms:` of the shipped model answer with these key points; empty for others
    (an interviewer's own question, or a seed answer edited since)."""
    return _shipped().get(tuple(key_points), {})


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The compiled synonym table: every entry's variants, and groups keyed by variant."""

    groups: tuple[frozenset[tuple[str, ...]], ...]
    by_variant: Mapping[tuple[str, ...], tuple[int, ...]]
    by_first_key: Mapping[str, tuple[tuple[str, ...], ...]]


@lru_cache(maxsize=8192)
def _entry_variants(entry: str) -> frozenset[tuple[str, ...]]:
    """The ways a synonym entry may appear: its parts in order, and a compound written whole."""
    tokens = tokenize(entry)
    variants: set[tuple[str, ...]] = set()
    parts = tuple(p.key for t in tokens for p in t.parts)
    if parts:
        variants.add(parts)
    if len(tokens) == 1 and len(tokens[0].parts) > 1:
        variants.add((tokens[0].joined,))
    return frozenset(variants)


def _compile(groups: Iterable[Iterable[str]]) -> Vocabulary:
    compiled: list[frozenset[tuple[str, ...]]] = []
    by_variant: dict[tuple[str, ...], list[int]] = {}
    by_first_key: dict[str, set[tuple[str, ...]]] = {}
    for entries in groups:
        variants: set[tuple[str, ...]] = set()
        for entry in entries:
            variants |= _entry_variants(entry)
        if not variants:
            continue
        index = len(compiled)
        compiled.append(frozenset(variants))
        for variant in variants:
            by_variant.setdefault(variant, []).append(index)
            by_first_key.setdefault(variant[0], set()).add(variant)
    return Vocabulary(
        groups=tuple(compiled),
        by_variant={k: tuple(v) for k, v in by_variant.items()},
        by_first_key={
            k: tuple(sorted(v, key=lambda x: (-len(x), x))) for k, v in by_first_key.items()
        },
    )


@lru_cache(maxsize=256)
def vocabulary_for(extra: tuple[tuple[str, ...], ...] = ()) -> Vocabulary:
    return _compile((*tables().groups, *extra))


def expand(vocabulary: Vocabulary, variant: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    variants = {variant}
    for index in vocabulary.by_variant.get(variant, ()):
        variants |= vocabulary.groups[index]
    return frozenset(variants)


def phrase_end(stream: Stream, start: int, phrase: Sequence[str]) -> int:
    """Where ``phrase`` ends if it occurs at ``start``: stop words may come between its words,
    punctuation and negations may not ("rows without locking" is no "row lock")."""
    keys, stops, pauses = stream.keys, stream.stops, stream.pauses
    position = start
    for wanted in phrase:
        while True:
            if position >= len(keys) or (position > start and pauses[position]):
                return -1
            if keys[position] == wanted:
                break
            if not stops[position] or keys[position] in NEGATING_STOP_KEYS:
                return -1
            position += 1
        position += 1
    return position


def longest_phrase(
    vocabulary: Vocabulary,
    tokens: Sequence[Token],
    parts: Sequence[Part],
    stream: Stream,
    i: int,
) -> tuple[int, tuple[str, ...]]:
    """The end and the variant of the longest table phrase starting at part ``i``, the first
    part of a token; the end is -1 when there is none."""
    token = tokens[parts[i].token]
    best_end = -1
    best_phrase: tuple[str, ...] = ()
    whole: tuple[str, ...] = (token.joined,)
    if len(token.parts) > 1 and whole in vocabulary.by_variant:
        best_end, best_phrase = i + len(token.parts), whole
    for phrase in vocabulary.by_first_key.get(stream.keys[i], ()):
        end = phrase_end(stream, i, phrase)
        if 0 < end < len(parts) and parts[end].token == parts[end - 1].token:
            continue  # a phrase ends where a word ends, not inside "thread-safe"
        if end > best_end:
            best_end, best_phrase = end, phrase
    return best_end, best_phrase


@lru_cache(maxsize=1)
def opposite_keys() -> Mapping[str, tuple[str, ...]]:
    """Single-word opposites by key: typed "immutable" states "mutable" negated."""
    opposites: dict[str, set[str]] = {}
    for group_a, group_b in tables().opposites:
        keys_a = {key_of(w) for w in group_a}
        keys_b = {key_of(w) for w in group_b}
        for a in keys_a:
            opposites.setdefault(a, set()).update(keys_b)
        for b in keys_b:
            opposites.setdefault(b, set()).update(keys_a)
    return {k: tuple(sorted(v)) for k, v in opposites.items()}


@lru_cache(maxsize=1)
def known_keys() -> frozenset[str]:
    """Words spelt right: the synonym table's and the shipped model answers'. A typed word
    among them is never taken for a typo of another ("stale" is not "state")."""
    words = set(known_words()) | STOP_WORDS | VAGUE_WORDS
    words.update(w for group in tables().groups for entry in group for w in entry.split())
    keys = {key_of(p.casefold()) for w in words for p in re.findall(r"[A-Za-z]+", w)}
    return frozenset(keys)


def deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def typo_candidate(key: str) -> bool:
    return len(key) >= TYPO_MIN_LENGTH and key.isascii() and key.isalpha()
