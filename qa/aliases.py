"""The optional alias table: names the text never uses (English names), per profile subject."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from profile_qa.errors import ConfigError

# English names of the seed profiles, so an English question finds its profile. Entries for
# subjects that are not in the loaded corpus are ignored.
DEFAULT_ALIASES: dict[str, tuple[str, ...]] = {
    "武汉市经济和信息化局新冠肺炎疫情防控专班": (
        "Wuhan Municipal Bureau of Economy and Information Technology",
        "Wuhan Bureau of Economy and Information Technology",
        "Wuhan economy and information technology bureau",
    ),
    "湖北省通管局疫情防控通信保障武汉市专项工作组": (
        "Hubei Communications Administration",
        "Hubei Provincial Communications Administration",
    ),
    "日照三奇医疗卫生用品有限公司": ("Rizhao Sanqi", "Sanqi"),
    "依文服饰股份有限公司": ("Yiwen", "EVE Group"),
    "西安天隆科技有限公司": ("Xi'an Tianlong", "Tianlong"),
    "中国通信服务股份有限公司": ("China Comservice", "China Communications Services"),
    "工业和信息化部办公厅机要督办处": (
        "confidential affairs division",
        "Confidential Affairs and Supervision Division",
    ),
    "夏昆山": ("Xia Kunshan",),
}


def load_aliases(path: str) -> dict[str, tuple[str, ...]]:
    """The default table plus a TOML or JSON file ``{subject = ["alias", ...]}`` if given."""
    table = {k: tuple(v) for k, v in DEFAULT_ALIASES.items()}
    if not path:
        return table
    file = Path(path).expanduser()
    try:
        raw = file.read_text(encoding="utf-8")
        data = json.loads(raw) if file.suffix == ".json" else tomllib.loads(raw)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read alias file {file}: {exc}") from exc
    for subject, aliases in data.items():
        if isinstance(aliases, str):
            aliases = [aliases]
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"alias file {file}: {subject!r} must map to a list of names")
        table[subject] = table.get(subject, ()) + tuple(a for a in aliases if a.strip())
    return table
