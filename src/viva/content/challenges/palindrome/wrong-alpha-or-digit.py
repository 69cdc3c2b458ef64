import unicodedata


def is_palindrome(text: str) -> bool:
    chars = [
        c.casefold() for c in unicodedata.normalize("NFC", text) if c.isalpha() or c.isdigit()
    ]  # drops numerics such as ½
    return chars == chars[::-1]
