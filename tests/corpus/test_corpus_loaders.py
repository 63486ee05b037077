"""Every supported format loads; every bad file is skipped with a reason, never fatal."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import corpus
from corpus import LoadError, LoadReport
from profile_qa.errors import ProfileQAError
from tests.corpus._pdf import make_pdf

FIXTURES = Path(__file__).parent / "fixtures"

SANQI = (
    "三种情怀彰显民企担当\n\n——记日照三奇医疗卫生用品有限公司\n\n"
    "舍弃。疫情之初,三奇公司毅然放弃国外大额订单,竭力保障国内医疗防护物资供应。\n\n"
    "担当。三奇共支援武汉、北京等相关地区口罩1.35亿只、防护服180万套,百分之百地完成国家调拨任务。\n"
)
YIWEN = (
    "就地转产全力以赴支援一线\n\n——记依文服饰股份有限公司\n\n"
    "依文集团成立于1994年,是中国服装行业的领军企业。2月20日,新建防护服生产线正式投产。\n"
)


def _docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "“火眼金睛”病毒无所遁形"
    document.add_heading("“火眼金睛”病毒无所遁形", level=1)
    document.add_paragraph("——记西安天隆科技有限公司")
    document.add_paragraph(
        "天隆科技牵头制订国家医药行业标准《YY/T1717-2020 核酸提取试剂盒(磁珠法)》"
        "并在抗疫期间由国家药监局发布。"
    )
    document.add_paragraph("哪里有疫情,哪里就有天隆科技的产品和服务。")
    document.save(str(path))


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file per outcome: each format, each encoding, each kind of bad file."""
    folder = tmp_path_factory.mktemp("mixed") / "articles"
    folder.mkdir()
    shutil.copy(FIXTURES / "xia_kunshan_page.html", folder / "010_page.html")
    shutil.copy(FIXTURES / "sanqi_profile.md", folder / "011_sanqi.md")
    (folder / "020_gbk.txt").write_bytes(SANQI.encode("gbk"))
    (folder / "021_bom.txt").write_bytes(YIWEN.encode("utf-8-sig"))
    (folder / "022_empty.txt").write_bytes(b"")
    (folder / "023_blank.txt").write_bytes(b" \r\n\r\n\t")
    (folder / "024_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    (folder / "025_noise.txt").write_bytes(bytes((i * 37 + 11) % 255 + 1 for i in range(2000)))
    (folder / "026_only_boilerplate.txt").write_text("欢迎登陆中企经济网\n\n热门推荐\n", "utf-8")
    _docx(folder / "030_tianlong.docx")
    (folder / "031_broken.docx").write_bytes(b"this is not a zip archive")
    (folder / "040_sanqi.pdf").write_bytes(
        make_pdf(
            [
                "三种情怀彰显民企担当",
                "——记日照三奇医疗卫生用品有限公司",
                "舍弃。疫情之初，三奇公司毅然放弃国外大额订单，竭力保障国内医疗防护物资",
                "供应。三奇共支援武汉、北京等相关地区口罩1.35亿只。",
            ]
        )
    )
    (folder / "041_scanned.pdf").write_bytes(make_pdf([]))
    (folder / "042_broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    (folder / "050_photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not an article")
    (folder / "030_tianlong.pdf").write_bytes(make_pdf(["同名文章。"]))
    (folder / "README.md").write_text("# 如何添加文章\n\n把文件放进这个文件夹。", "utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "drafts").mkdir()
    return folder


@pytest.fixture(scope="module")
def report(mixed_folder: Path) -> LoadReport:
    return corpus.load_articles(mixed_folder)


def _reasons(report: LoadReport) -> dict[str, str]:
    return {Path(s.path).name: s.reason for s in report.skipped}


def test_loaded_articles(report: LoadReport) -> None:
    assert [a.source_file for a in report.articles] == [
        "010_page.html",
        "011_sanqi.md",
        "020_gbk.txt",
        "021_bom.txt",
        "030_tianlong.docx",
        "040_sanqi.pdf",
    ]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("022_empty.txt", "empty file"),
        ("023_blank.txt", "empty file"),
        ("024_binary.txt", "binary file"),
        ("025_noise.txt", "cannot decode"),
        ("026_only_boilerplate.txt", "no article text"),
        ("031_broken.docx", "docx"),
        ("041_scanned.pdf", "no text layer"),
        ("042_broken.pdf", "PDF"),
        ("050_photo.jpg", "unsupported file type '.jpg'"),
        ("030_tianlong.pdf", "same article id '030_tianlong' as 030_tianlong.docx"),
        ("README.md", "README"),
    ],
)
def test_each_bad_file_is_skipped_with_a_reason(report: LoadReport, name: str, reason: str) -> None:
    assert reason in _reasons(report)[name]


def test_hidden_files_and_folders_are_ignored_silently(report: LoadReport) -> None:
    names = set(_reasons(report)) | {a.source_file for a in report.articles}
    assert ".DS_Store" not in names
    assert "drafts" not in names
    assert len(report.skipped) == 11


def _by_file(report: LoadReport, name: str) -> corpus.Article:
    return next(a for a in report.articles if a.source_file == name)


def test_gbk_file_is_decoded(report: LoadReport) -> None:
    article = _by_file(report, "020_gbk.txt")
    assert article.id == "020_gbk"
    assert article.sections[0].subject == "日照三奇医疗卫生用品有限公司"
    assert "口罩1.35亿只、防护服180万套，百分之百" in article.text


def test_bom_file_is_decoded_without_the_bom(report: LoadReport) -> None:
    article = _by_file(report, "021_bom.txt")
    assert article.text.startswith("就地转产全力以赴支援一线\n——记依文服饰股份有限公司")
    assert article.title == "就地转产全力以赴支援一线"
    assert [s.subject for s in article.sections] == ["依文服饰股份有限公司"]


def test_html_page_keeps_main_text_title_and_date(report: LoadReport) -> None:
    article = _by_file(report, "010_page.html")
    assert article.title == "夏昆山：全力以赴保供应，倾心攻打疫情战"
    assert article.date == "2020-03-24 14:35:12"
    assert article.sections[0].subject == "夏昆山"
    assert "护目镜5000个、隔离衣20000件" in article.text  # <sup>9</sup> footnote mark dropped
    assert article.text.endswith("为抗击肺炎疫情贡献着自己的一份力量。")
    for boilerplate in [
        "欢迎登陆",
        "新人限时福利",
        "浏览",
        "Tags",
        "打印",
        "上一篇",
        "热门推荐",
        "相关文章",
        "验 证 码",
        "版权所有",
        "首页",
    ]:
        assert boilerplate not in article.text


def test_markdown_markup_is_stripped(report: LoadReport) -> None:
    article = _by_file(report, "011_sanqi.md")
    assert article.title == "三种情怀彰显民企担当"
    assert article.date == "2021-01-05"
    assert article.sections[0].subject == "日照三奇医疗卫生用品有限公司"
    assert "舍弃。疫情之初" in article.text
    assert "详见工业和信息化部网站。" in article.text
    assert "三奇人“只说行，不说不”。" in article.text
    assert "口罩从日产50万只提高到350万只；" in article.text
    for markup in ["**", "#", "](", "> ", "- ", "workshop.jpg", "---"]:
        assert markup not in article.text


def test_docx_paragraphs_are_read(report: LoadReport) -> None:
    article = _by_file(report, "030_tianlong.docx")
    assert article.title == "“火眼金睛”病毒无所遁形"
    assert article.sections[0].subject == "西安天隆科技有限公司"
    assert "《YY/T1717-2020 核酸提取试剂盒（磁珠法）》" in article.text


def test_pdf_text_layer_is_read_and_unwrapped(report: LoadReport) -> None:
    article = _by_file(report, "040_sanqi.pdf")
    assert article.sections[0].subject == "日照三奇医疗卫生用品有限公司"
    assert "竭力保障国内医疗防护物资供应。三奇共支援" in article.text


def test_chunks_of_every_format_are_citable(report: LoadReport, settings) -> None:
    articles = {a.id: a for a in report.articles}
    chunks = corpus.chunk_articles(report.articles, settings)
    assert {c.article_id for c in chunks} == set(articles)
    for chunk in chunks:
        assert chunk.text == articles[chunk.article_id].text[chunk.start : chunk.end]


def test_raw_files_are_never_modified(mixed_folder: Path) -> None:
    before = {p.name: p.read_bytes() for p in mixed_folder.iterdir() if p.is_file()}
    corpus.load_articles(mixed_folder)
    assert {p.name: p.read_bytes() for p in mixed_folder.iterdir() if p.is_file()} == before


def test_load_article_raises_load_error(mixed_folder: Path) -> None:
    with pytest.raises(LoadError, match="binary"):
        corpus.load_article(mixed_folder / "024_binary.txt")
    assert issubclass(LoadError, ProfileQAError)


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="does not exist"):
        corpus.load_articles(tmp_path / "nope")


def test_utf16_with_bom_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "u16.txt"
    path.write_bytes(YIWEN.encode("utf-16"))
    assert corpus.load_article(path).sections[0].subject == "依文服饰股份有限公司"


def test_tiny_html_page_falls_back_to_visible_text(tmp_path: Path) -> None:
    path = tmp_path / "tiny.html"
    path.write_text(
        "<html><head><title>三奇</title><script>var x = 1;</script></head>"
        "<body><nav>首页</nav><p>口罩1.35亿只。</p></body></html>",
        "utf-8",
    )
    article = corpus.load_article(path)
    assert "口罩1.35亿只。" in article.text
    assert "var x" not in article.text


def test_html_falls_back_when_trafilatura_finds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    path = tmp_path / "page.htm"
    path.write_text(
        "<html><head><title>三奇</title><script>var x = 1;</script></head><body>"
        "<nav>首页</nav><p>口罩从日产50万只提高到350万只。</p><footer>版权所有</footer></body></html>",
        "utf-8",
    )
    article = corpus.load_article(path)
    assert article.text == "三奇\n口罩从日产50万只提高到350万只。"
    assert article.title == "三奇"


def test_html_without_any_text_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "blank.html").write_text("<html><body><script>x()</script></body></html>", "utf-8")
    report = corpus.load_articles(tmp_path)
    assert report.articles == ()
    assert "no readable text" in report.skipped[0].reason
