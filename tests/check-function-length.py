#!/usr/bin/env python3
"""check-function-length.py: no function in lib/, milter/ or reporting/ is
longer than 80 lines (the developers' guide), so that each one can be read on
one screen. Fails listing every longer function not in ALLOWED below.

Heuristic (no C++ parser, so it errs towards simple and explicit): comments,
string and character literals (raw strings too) and preprocessor lines are
blanked first, keeping line numbers, so that no brace in them counts. Then the
braces of each .cc file are matched. Outside a function body, a `{` opens a
function body when the text before it since the last `;`, `{` or `}` ends in
`)` (after trailing qualifiers: const, noexcept, override, final, mutable, a
trailing `-> type`), or follows a constructor's initializer list. Braces
inside a body (blocks, lambdas, initializers) belong to that function. A
function's length is counted from the line of its opening brace to the line
of its closing brace, both included.
"""
import os
import re
import sys

LIMIT = 80
DIRS = ("lib", "milter", "reporting")

# Functions still longer than the limit, by "path:name", each with the reason
# it is left for now. A function not listed here that grows past the limit
# fails the check, and so does an entry that no longer matches anything (so
# that the list only shrinks).
ALLOWED = {}

QUALIFIERS = re.compile(
    r"(?:\s*(?:const|noexcept|override|final|mutable|&&|&)\s*)*"
    r"(?:->\s*[\w:<>,\s*&]+)?\s*$")
CTOR_INIT = re.compile(r"\)\s*(?:noexcept\s*)?:(?!:)")
NAME = re.compile(r"([~\w:]+(?:<[^()]*>)?|operator\s*[^\s(]+)\s*\($")


def blank(text):
    """Returns text with comments, literals and preprocessor lines replaced
    by spaces (newlines kept, so that offsets map to the same lines)."""
    out = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c == "#":
            # A directive, continued by backslash-newline.
            j = i
            while j < n and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n and text[j + 1] == "\n":
                    j += 2
                    out.append(" \n")
                    continue
                out.append(" ")
                j += 1
            i = j
            continue
        if c == "\n":
            out.append(c)
            line_start = True
            i += 1
            continue
        if not c.isspace():
            line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and text.startswith('R"', i) and (
                i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            k = text.find("(", i + 2)
            delim = ")" + text[i + 2:k] + '"'
            j = text.find(delim, k)
            j = n if j < 0 else j + len(delim)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            # A ' after a digit is a digit separator (1'000), not a literal.
            if c == "'" and i > 0 and text[i - 1].isdigit():
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def function_name(head):
    """The function's name from the text before its body (for messages)."""
    depth, i = 0, len(head) - 1
    # Skip back to the '(' that opens the parameter list.
    end = head.rfind(")")
    if CTOR_INIT.search(head):
        end = CTOR_INIT.search(head).start()
    i = end
    while i >= 0:
        if head[i] == ")":
            depth += 1
        elif head[i] == "(":
            depth -= 1
            if depth == 0:
                break
        i -= 1
    m = NAME.search(head[:i + 1].rstrip())
    return m.group(1) if m else "?"


def long_functions(text):
    """Yields (name, first line, length) of each function over LIMIT."""
    code = blank(text)
    stack = []          # per open brace: True if it is inside a function
    head_start = 0
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        if c == "{":
            in_function = bool(stack) and stack[-1]
            if not in_function:
                head = code[head_start:i]
                tail = head.rstrip()
                if CTOR_INIT.search(head) and tail and (
                        tail[-1].isalnum() or tail[-1] in "_>"):
                    # A member's brace initializer in a constructor's
                    # initializer list: skip it, the body follows.
                    depth, j = 0, i
                    while j < n:
                        if code[j] == "{":
                            depth += 1
                        elif code[j] == "}":
                            depth -= 1
                            if depth == 0:
                                break
                        j += 1
                    i = j + 1
                    continue
                stripped = QUALIFIERS.sub("", tail) if tail.endswith(
                    tuple("tedlf&")) or "->" in tail else tail
                is_function = stripped.endswith(")") or (
                    CTOR_INIT.search(head) is not None and tail.endswith("}"))
                if is_function:
                    start = code.count("\n", 0, i) + 1
                    depth, j = 0, i
                    while j < n:
                        if code[j] == "{":
                            depth += 1
                        elif code[j] == "}":
                            depth -= 1
                            if depth == 0:
                                break
                        j += 1
                    end = code.count("\n", 0, j) + 1
                    if end - start + 1 > LIMIT:
                        yield function_name(head), start, end - start + 1
                    i = j + 1
                    head_start = i
                    continue
            stack.append(in_function)
            head_start = i + 1
        elif c == "}":
            if stack:
                stack.pop()
            head_start = i + 1
        elif c == ";":
            head_start = i + 1
        i += 1


def main():
    top = os.environ.get("TOP_SRCDIR", ".")
    found, seen = [], set()
    count = 0
    for d in DIRS:
        for root, _, files in os.walk(os.path.join(top, d)):
            for f in sorted(files):
                if not f.endswith(".cc"):
                    continue
                path = os.path.join(root, f)
                rel = os.path.relpath(path, top)
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
                count += 1
                for name, line, length in long_functions(text):
                    key = "%s:%s" % (rel, name)
                    seen.add(key)
                    if key not in ALLOWED:
                        found.append("%s:%d: %s is %d lines" %
                                     (rel, line, name, length))
    stale = sorted(set(ALLOWED) - seen)
    if found or stale:
        if found:
            print("FAIL: functions longer than %d lines (split them into "
                  "helpers that each do one thing):" % LIMIT)
            print("\n".join(found))
        if stale:
            print("FAIL: allowed long functions that no longer exist or are "
                  "short now; remove them from ALLOWED:")
            print("\n".join(stale))
        return 1
    print("PASS: no function in %d files of %s is over %d lines%s" %
          (count, ", ".join(DIRS), LIMIT,
           " (%d allowed, listed in the script)" % len(ALLOWED)
           if ALLOWED else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
