def is_palindrome(text: str) -> bool:
    # No NFC normalisation: "é" as one code point and as e + accent differ.
    chars = [c.casefold() for c in text if c.isalnum()]
    return chars == chars[::-1]
