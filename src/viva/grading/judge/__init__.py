"""The judge: observed records to test results and a verdict, outside the sandbox."""
