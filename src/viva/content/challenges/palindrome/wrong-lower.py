import unicodedata


def is_palindrome(text: str) -> bool:
    # lower() instead of casefold(): "ς" and "σ", "µ" and "μ" stay different.
    chars = [c.lower() for c in unicodedata.normalize("NFC", text) if c.isalnum()]
    return chars == chars[::-1]
