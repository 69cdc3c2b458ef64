import unicodedata


def is_palindrome(text: str) -> bool:
    # Two pointers that stop one step early: the middle pair of an even text is never compared.
    chars = [c.casefold() for c in unicodedata.normalize("NFC", text) if c.isalnum()]
    i, j = 0, len(chars) - 1
    while i < j - 1:
        if chars[i] != chars[j]:
            return False
        i += 1
        j -= 1
    return True
