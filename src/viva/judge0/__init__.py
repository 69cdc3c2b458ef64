"""A Judge0 CE-compatible execution API on Viva's sandbox, under /judge0 (docs/judge0.md)."""
