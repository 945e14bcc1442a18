"""The web side: sign-in routes and the request guard, exports, uploads, health checks,
security headers, request logs, error pages, background jobs and the mounted Dash app."""
