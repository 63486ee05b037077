"""Profile subjects and the short forms a visitor uses for them (王局长, 某市经信局)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from qa.language import ABBREVIATIONS, TITLES
from qa.lexical import Lexicon
from qa.normalize import to_simplified

_LEGAL_SUFFIX = re.compile(
    r"(集团股份有限公司|股份有限公司|有限责任公司|集团有限公司|有限公司|集团|公司)$"
)
# Where one organisational unit ends inside a long subject name.
_UNIT_END = re.compile(r"(委员会|办公室|办公厅|工作组|小组|专班|中心|局|部|厅|处|委|组)")
# Task groups named after their job: the parent unit is how people call them.
_GENERIC_UNIT = re.compile(r"(专班|工作组|小组|组)$")
_ORG_END = re.compile(r"(公司|集团|局|部|厅|处|组|班|院|会|中心|所|站|队|厂|委|办|室|校|行|社)$")
_PLACE_PREFIX = re.compile(r"^(中国|全国|国家|[\u4e00-\u9fff]{2,3}?(省|市|自治区|县|区))")
_PROVINCE_OR_CITY = re.compile(r"^([\u4e00-\u9fff]{2,3}?)(省|市)")

# A core this common in general Chinese (jieba frequency) is a word, not a name: 通信, 经济.
_COMMON_WORD_FREQ = 200


@dataclass(frozen=True)
class Profile:
    """One profiled organisation or person and every name it goes by."""

    subject: str
    kind: str  # "org" or "person"
    aliases: tuple[str, ...]  # longest first; includes the subject itself


def is_person(subject: str) -> bool:
    """A 2-4 character Chinese name with no organisational suffix."""
    return bool(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", subject)) and not _ORG_END.search(subject)


def _abbreviation_variants(name: str) -> set[str]:
    out = {name}
    for full, short in ABBREVIATIONS:
        for variant in list(out):
            if full in variant:
                out.add(variant.replace(full, short))
            if short in variant and full not in variant:
                out.add(variant.replace(short, full))
    for variant in list(out):
        m = _PROVINCE_OR_CITY.match(variant)
        if m and len(variant) > m.end() + 1:
            out.add(m.group(1) + variant[m.end() :])  # 长沙市经信局 -> 长沙经信局
            out.add(variant[m.end() :])  # -> 经信局
    return out


def _units(name: str) -> list[str]:
    units, start = [], 0
    for m in _UNIT_END.finditer(name):
        units.append(name[start : m.end()])
        start = m.end()
    if start < len(name):
        units.append(name[start:])
    return [u for u in units if u]


def _government_aliases(subject: str) -> set[str]:
    units = _units(subject)
    names = {"".join(units[i:]) for i in range(len(units)) if not _GENERIC_UNIT.search(units[i])}
    if len(units) > 1 and _GENERIC_UNIT.search(units[-1]):
        names.add("".join(units[:-1]))
    names.add(subject)
    out: set[str] = set()
    for n in names:
        out |= _abbreviation_variants(n)
    return out


def _company_aliases(subject: str, lexicon: Lexicon) -> set[str]:
    name = _LEGAL_SUFFIX.sub("", subject) or subject
    out = {subject, name}
    tokens = [w for w, _ in lexicon.tag(name)]
    place = _PLACE_PREFIX.match(name)
    rest = name[place.end() :] if place else name
    # The distinctive core is the first rare word (a trade name); what precedes it is a place.
    pos = 0
    for token in tokens:
        if len(token) >= 2 and lexicon.frequency(token) < _COMMON_WORD_FREQ:
            core = token
            out |= {core, core + "公司", core + "集团", name[pos:], name[: pos + len(core)]}
            break
        pos += len(token)
    else:
        # All common words (中国 通信 服务): people abbreviate by first characters (中国通服).
        rest_tokens = [w for w, _ in lexicon.tag(rest)]
        if len(rest_tokens) >= 2 and all(len(t) == 2 for t in rest_tokens):
            short = "".join(t[0] for t in rest_tokens)
            out |= {short, short + "公司", name[: len(name) - len(rest)] + short}
    return {a for a in out if len(a) >= 2}


def _person_aliases(subject: str) -> set[str]:
    surname = subject[0]
    return {subject} | {surname + title for title in TITLES}


def derive_aliases(subject: str, lexicon: Lexicon) -> tuple[str, ...]:
    """Every name a visitor may use for ``subject``, longest first."""
    if is_person(subject):
        aliases = _person_aliases(subject)
    elif _LEGAL_SUFFIX.search(subject):
        aliases = _company_aliases(subject, lexicon)
    else:
        aliases = _government_aliases(subject)
    # A short form that is a common word (医院 from 某市中心医院, 委员会) names every hospital or
    # committee, and would tie questions about 方舱医院 to this profile.
    aliases = {a for a in aliases if a == subject or lexicon.frequency(a) < _COMMON_WORD_FREQ}
    return tuple(sorted(aliases, key=lambda a: (-len(a), a)))


def build_profiles(
    subjects: Iterable[str],
    lexicon: Lexicon,
    extra_aliases: Mapping[str, Sequence[str]] | None = None,
) -> list[Profile]:
    """One Profile per distinct non-empty subject, with derived and configured aliases."""
    extra = extra_aliases or {}
    profiles = []
    for subject in dict.fromkeys(s for s in subjects if s):
        aliases = set(derive_aliases(subject, lexicon)) | set(extra.get(subject, ()))
        simplified = to_simplified(subject)
        if simplified != subject:  # a Traditional profile: derive short names in Simplified
            aliases |= set(derive_aliases(simplified, lexicon))
        # Questions are matched in Simplified: a Traditional profile answers to both scripts.
        aliases |= {to_simplified(a) for a in aliases}
        kind = "person" if is_person(subject) else "org"
        ordered = tuple(sorted(aliases, key=lambda a: (-len(a), a)))
        profiles.append(Profile(subject=subject, kind=kind, aliases=ordered))
    return profiles


@dataclass(frozen=True)
class ProfileMatch:
    """A profile named in a question, where, and by which alias."""

    profile: Profile
    alias: str
    start: int
    end: int


def match_profiles(question: str, profiles: Sequence[Profile]) -> list[ProfileMatch]:
    """Profiles named in ``question`` (longest alias wins an overlap), in order of mention."""
    lowered = question.lower()
    candidates: list[ProfileMatch] = []
    for profile in profiles:
        for alias in profile.aliases:
            start = lowered.find(alias.lower())
            if start >= 0:
                candidates.append(ProfileMatch(profile, alias, start, start + len(alias)))
    candidates.sort(key=lambda m: (-(m.end - m.start), m.start))
    taken: list[ProfileMatch] = []
    for m in candidates:
        if any(m.start < t.end and t.start < m.end for t in taken):
            continue
        if any(t.profile.subject == m.profile.subject for t in taken):
            continue
        taken.append(m)
    return sorted(taken, key=lambda m: m.start)


def user_words(profiles: Sequence[Profile]) -> list[tuple[str, str]]:
    """(word, tag) pairs for jieba so names stay whole: nr for people, nt for organisations."""
    words = []
    for p in profiles:
        tag = "nr" if p.kind == "person" else "nt"
        for alias in p.aliases:
            if re.fullmatch(r"[\u4e00-\u9fff]{2,}", alias):
                words.append((alias, tag))
    return words
