"""The sandbox: bubblewrap slots that run graded code isolated (see its modules)."""
