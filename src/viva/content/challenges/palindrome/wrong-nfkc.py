import unicodedata


def is_palindrome(text: str) -> bool:
    # NFKC instead of NFC: compatibility characters such as "①" become "1".
    chars = [c.casefold() for c in unicodedata.normalize("NFKC", text) if c.isalnum()]
    return chars == chars[::-1]
