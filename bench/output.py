"""How every benchmark speaks: one line at a time, flushed, so a long run shows its progress."""


def say(line: str) -> None:
    print(line, flush=True)
