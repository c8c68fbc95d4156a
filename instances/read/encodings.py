"""Text encodings of uploaded files: UTF-8 (BOM dropped), UTF-16, Windows-1252, Latin-1."""

from __future__ import annotations

from instances.problems import ProblemLog


def decode(filename: str, data: bytes, log: ProblemLog) -> str:
    """Text of a file: UTF-8 (a byte-order mark dropped); UTF-16 with a BOM, Windows-1252 or
    Latin-1 accepted with a warning naming the first line that is not UTF-8."""
    stripped, encoding = to_utf8(filename, data, log)
    return stripped.decode(encoding)


def to_utf8(filename: str, data: bytes, log: ProblemLog) -> tuple[bytes, str]:
    """(bytes without BOM, the encoding to decode them with); warns on a non-UTF-8 file."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        log.warning(filename, "is UTF-16 text; read it as such (UTF-8 is preferred)")
        return data.decode("utf-16").encode("utf-8"), "utf-8"
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            data.decode("cp1252")
            encoding, label = "cp1252", "Windows-1252"
        except UnicodeDecodeError:
            encoding, label = "latin-1", "Latin-1"
        sample = data.splitlines()[line - 1][:60].decode(encoding, errors="replace")
        log.warning(
            filename,
            f"is not UTF-8 text; read as {label}, check the letters ä, ö, å "
            f"(e.g. {sample!r}) and save as UTF-8",
            line=line,
        )
        return data, encoding
