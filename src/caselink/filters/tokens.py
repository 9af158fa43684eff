"""Tokens of the filter language, with the column each starts at (for error messages)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from caselink.filters.columns import FilterError

KEYWORDS = frozenset({"and", "or", "not", "in", "has", "any", "is", "missing", "present"})
_TOKEN = re.compile(
    r"\s*(?:(?P<op>!=|<=|>=|=|<|>|\(|\)|,)|(?P<word>[A-Za-z0-9_\-:./]+)"
    r"|'(?P<sq>[^']*)'|\"(?P<dq>[^\"]*)\"|(?P<bad>\S))"
)


@dataclass(frozen=True)
class Token:
    kind: str  # "op", "word", "str", "end"
    text: str
    col: int

    def is_kw(self, word: str) -> bool:
        return self.kind == "word" and self.text.lower() == word


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:  # only trailing whitespace is left
            break
        col = m.start(m.lastgroup or 0) + 1
        if m.group("bad") is not None:
            if m.group("bad") in "'\"":
                raise FilterError(f"filter: at column {col}: unterminated quoted value")
            raise FilterError(f"filter: at column {col}: unexpected character {m.group('bad')!r}")
        if m.group("op") is not None:
            tokens.append(Token("op", m.group("op"), col))
        elif m.group("word") is not None:
            tokens.append(Token("word", m.group("word"), col))
        else:
            value = m.group("sq") if m.group("sq") is not None else m.group("dq")
            tokens.append(Token("str", value, col))
        pos = m.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens



def describe(tok: Token) -> str:
    if tok.kind == "end":
        return "the end of the filter"
    if tok.kind == "str":
        return f"the value {tok.text!r}"
    return repr(tok.text)

