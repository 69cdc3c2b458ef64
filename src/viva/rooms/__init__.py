"""Live interview rooms (a shared editor, run and submit, the interviewer's private panel,
replay) and the per-user notification stream."""
