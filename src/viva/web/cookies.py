"""Names of the cookies the renderer and accounts share (no imports: both sides use it)."""

SESSION_COOKIE = "viva_session"
CSRF_COOKIE = "viva_csrf"  # set at sign-in; the token every private form posts back
