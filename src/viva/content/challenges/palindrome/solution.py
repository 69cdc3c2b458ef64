import unicodedata


def is_palindrome(text: str) -> bool:
    chars = [c.casefold() for c in unicodedata.normalize("NFC", text) if c.isalnum()]
    return chars == chars[::-1]
