def is_palindrome(text: str) -> bool:
    # Compare the text with its reverse, ignoring case and non-alphanumerics.
    raise NotImplementedError
