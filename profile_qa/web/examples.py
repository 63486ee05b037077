"""Example questions for the chat: one per profile present in the corpus."""

from __future__ import annotations

from collections.abc import Iterable

from corpus.model import Chunk

# Questions the seed profiles answer, keyed by a name that identifies the profile. A profile
# without an entry here gets a generic question built from its subject.
_CURATED: tuple[tuple[str, str], ...] = (
    ("武汉市经济和信息化局", "武汉市经信局协调捐赠了多少辆MPV？"),
    ("湖北省通管局", "湖北省通管局专项工作组组织召开了多少次全市通信行业视频调度会？"),
    ("三奇", "三奇公司的口罩日产量从多少提高到了多少？"),
    ("依文", "依文集团新建的防护服生产线哪天正式投产？"),
    ("天隆", "西安天隆科技在抗疫中做了什么？"),
    ("中国通信服务", "中国通服在什么时间前完成了电信大数据分析平台的施工？"),
    ("机要督办处", "工信部办公厅机要督办处日均流转多少件次文电？"),
    ("夏昆山", "夏昆山连续多少天奋战在保障生产第一线？"),
)
_FALLBACK = ("这些文章介绍了哪些抗疫先进集体和个人？",)


def example_questions(chunks: Iterable[Chunk], limit: int = 8) -> list[str]:
    """Up to ``limit`` questions, one per profile subject, in corpus order."""
    questions: list[str] = []
    seen_subjects: set[str] = set()
    used_keys: set[str] = set()
    for chunk in chunks:
        subject = chunk.subject.strip()
        if not subject or subject in seen_subjects:
            continue
        seen_subjects.add(subject)
        where = f"{subject} {chunk.section_title} {chunk.article_title}"
        for key, question in _CURATED:
            if key in where and key not in used_keys:
                used_keys.add(key)
                questions.append(question)
                break
        else:
            questions.append(f"{subject}在抗疫中做了哪些工作？")
        if len(questions) >= limit:
            break
    return questions or list(_FALLBACK)
