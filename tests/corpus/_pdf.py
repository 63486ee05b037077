"""Write a tiny one-page PDF with a real text layer (no PDF library can do CJK simply).

The font is an unembedded CID font shown through Identity-H with an identity ToUnicode
map, so each character's code is its Unicode code point: enough for text extraction.
"""

from __future__ import annotations


def _to_unicode_cmap(chars: set[str]) -> bytes:
    # Only the characters used: pypdf expands every range entry, so <0000>-<FFFF> is slow.
    codes = sorted(f"{ord(c):04X}" for c in chars)
    blocks = []
    for i in range(0, len(codes), 100):  # a bfchar block holds at most 100 entries
        part = codes[i : i + 100]
        pairs = "\n".join(f"<{c}> <{c}>" for c in part)
        blocks.append(f"{len(part)} beginbfchar\n{pairs}\nendbfchar")
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def make_pdf(lines: list[str]) -> bytes:
    """PDF bytes whose page shows ``lines`` (BMP characters), one per text line."""
    content = ["BT /F1 12 Tf 14 TL 50 780 Td"]
    content += ["<" + "".join(f"{ord(c):04X}" for c in line) + "> Tj T*" for line in lines]
    content.append("ET")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        _stream("\n".join(content).encode()),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H"
        b" /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        _stream(_to_unicode_cmap({c for line in lines for c in line})),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
