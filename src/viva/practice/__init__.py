"""Practice: spaced-repetition review, the key-point matcher, mock interviews and reports."""
