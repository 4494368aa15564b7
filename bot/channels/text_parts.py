"""Splitting long texts into messages a platform accepts, on line breaks where possible."""

from __future__ import annotations

from collections.abc import Callable

Size = Callable[[str], int]


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def split_lines(text: str, limit: int, size: Size = len) -> list[str]:
    """Parts of at most `limit` (measured by `size`), cut at line breaks; a single longer
    line is cut between characters. Nothing is lost but the line breaks cut at."""
    if size(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _chop(line, limit, size):
            candidate = f"{current}\n{piece}" if current else piece
            if current and size(candidate) > limit:
                parts.append(current)
                current = piece
            else:
                current = candidate
    if current:
        parts.append(current)
    return parts


def split_utf8(text: str, limit: int) -> list[str]:
    """For WeChat and WeCom, whose limits are in bytes of UTF-8."""
    return split_lines(text, limit, utf8_len)


def _chop(line: str, limit: int, size: Size) -> list[str]:
    if size(line) <= limit:
        return [line]
    pieces: list[str] = []
    current, used = "", 0
    for char in line:
        n = size(char)
        if used + n > limit:
            pieces.append(current)
            current, used = "", 0
        current += char
        used += n
    pieces.append(current)
    return pieces
